"""Timing, figures, the table and the JSON file.

Machines here are shared and noisy, so nothing is judged on an absolute
number: each figure pairs an nhvflow measurement with a baseline measured in
the same run, interleaved round by round (nhvflow, baseline, nhvflow,
baseline, ...), and compares the medians.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import attrs
from rich.console import Console
from rich.table import Table

import nhvflow

__all__ = [
    "RESULTS",
    "Figure",
    "Sizes",
    "Target",
    "configure_logging",
    "interleaved",
    "median",
    "paired",
    "render",
    "scratch",
    "write_json",
]

RESULTS = Path(__file__).parent / "results"
"""Where results and cached logs go (git-ignored)."""


def configure_logging() -> None:
    """Configure logging as a production service would: the standard logger
    ``"nhvflow"`` at WARNING, so the engine skips its per-step debug lines
    without gathering them, and the SQLite version warning left out (each
    benchmark writes files of its own).

    nhvflow never configures logging itself; the standard ``logging``
    default (the root at WARNING) would do the same.
    """
    logging.getLogger("nhvflow").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=nhvflow.SQLiteVersionWarning)


@attrs.frozen
class Sizes:
    """How much work each figure does (the full run, or ``--smoke``)."""

    rounds: int = 5
    fire_cases: int = 300
    full_cases: int = 100
    es_cases: int = 100
    batch_cases: int = 1_000
    machine_cases: int = 2_000
    rebuild_cases: int = 1_000
    flat_events: int = 1_000_000
    flat_small_events: int = 1_000
    flat_cases: int = 100
    rss_proposals: int = 100_000
    pg_cases: int = 100


SMOKE = Sizes(
    rounds=1,
    fire_cases=3,
    full_cases=2,
    es_cases=2,
    batch_cases=5,
    machine_cases=5,
    rebuild_cases=5,
    flat_events=2_400,
    flat_small_events=240,
    flat_cases=2,
    rss_proposals=20,
    pg_cases=2,
)


@attrs.frozen
class Target:
    """A target of the issue: ``ratio >= value`` or ``ratio <= value``."""

    op: Literal[">=", "<="]
    value: float

    def met(self, ratio: float) -> bool:
        """Whether ``ratio`` meets the target."""
        return ratio >= self.value if self.op == ">=" else ratio <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


@attrs.define
class Figure:
    """One line of the table: an nhvflow figure, its baseline, the ratio and
    the target (if the issue sets one for it)."""

    id: str
    title: str
    nhvflow: float
    unit: str
    baseline_name: str
    baseline: float | None
    target: Target | None
    durability: str
    baseline_detail: str = ""
    note: str = ""
    higher_is_better: bool = True
    samples: dict[str, list[float]] = attrs.field(factory=dict)
    smoke: bool = False
    paired: float | None = None
    """The median of the per-round ratios, when both sides ran in each round."""

    @property
    def ratio(self) -> float | None:
        """nhvflow over baseline (for a rate: how many times as fast): the
        median of the rounds' ratios where the sides ran side by side in
        each round (robust to a machine that slows down between rounds),
        else the ratio of the medians."""
        if self.paired is not None:
            return self.paired
        if self.baseline is None or self.baseline == 0:
            return None
        return self.nhvflow / self.baseline

    @property
    def verdict(self) -> str:
        """PASS or MISS against the target; ``info`` without one; ``smoke``
        when the sizes are too small to judge."""
        if self.target is None or self.ratio is None:
            return "info"
        if self.smoke:
            return "smoke"
        return "PASS" if self.target.met(self.ratio) else "MISS"

    def to_json(self) -> dict[str, Any]:
        """The figure as JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "nhvflow": self.nhvflow,
            "unit": self.unit,
            "baseline_name": self.baseline_name,
            "baseline_detail": self.baseline_detail,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "ratio_of_medians": (None if not self.baseline else self.nhvflow / self.baseline),
            "target": None if self.target is None else str(self.target),
            "verdict": self.verdict,
            "durability": self.durability,
            "note": self.note,
            "samples": self.samples,
        }


def interleaved(rounds: int, sides: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each side once per round, in turn, and collect what each returns
    (a rate), so that drift on a shared machine hits every side alike."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            samples[name].append(side())
    return samples


def median(values: list[float]) -> float:
    """The median of the samples."""
    return statistics.median(values)


def paired(samples: dict[str, list[float]], side: str, baseline: str) -> float:
    """The median over rounds of ``side / baseline`` (each round ran both)."""
    return statistics.median(a / b for a, b in zip(samples[side], samples[baseline], strict=True))


@contextmanager
def scratch() -> Iterator[Path]:
    """A temporary directory on the same disk as the results (never /dev/shm)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="scratch-", dir=RESULTS))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def render(figures: list[Figure], console: Console) -> None:
    """Print the figures as a table, then what each baseline is."""
    table = Table(title="nhvflow benchmarks: ratios against baselines measured in this run")
    table.add_column("#", style="bold")
    table.add_column("figure")
    table.add_column("nhvflow", justify="right")
    table.add_column("baseline")
    table.add_column("", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("target", justify="right")
    table.add_column("sync")
    table.add_column("", justify="center")
    styles = {"PASS": "green", "MISS": "red", "info": "dim", "smoke": "yellow"}
    for f in figures:
        verdict = f.verdict
        table.add_row(
            f.id,
            f.title,
            _fmt(f.nhvflow, f.unit),
            f.baseline_name,
            _fmt(f.baseline, f.unit),
            "—" if f.ratio is None else f"{f.ratio:.2f}×",
            "—" if f.target is None else f"{f.target}×",
            f.durability,
            f"[{styles[verdict]}]{verdict}[/{styles[verdict]}]",
        )
    console.print(table)
    for f in figures:
        text = " ".join(t for t in (f.baseline_detail, f.note) if t)
        if text:
            console.print(f"[bold]{f.id}[/bold] {text}", highlight=False)


def _git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def write_json(figures: list[Figure], out: Path, *, smoke: bool, seconds: float) -> Path:
    """Write the figures and the machine they ran on to ``out``; returns the file."""
    import nhvflow

    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "when": stamp,
        "smoke": smoke,
        "seconds": round(seconds, 1),
        "nhvflow": getattr(nhvflow, "__version__", None),
        "git": _git_revision(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "logging": 'standard logger "nhvflow" at WARNING',
        "figures": [f.to_json() for f in figures],
    }
    path = out / f"bench-{stamp}{'-smoke' if smoke else ''}.json"
    text = json.dumps(document, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    (out / ("latest-smoke.json" if smoke else "latest.json")).write_text(text + "\n", "utf-8")
    return path


def python() -> str:
    """The interpreter running the benchmarks (for subprocesses)."""
    return sys.executable
