"""A :class:`~nhvflow.simulate.SimulationResult` for people: rich tables for
the terminal, and a self-contained HTML report whose charts (a funnel
through the regime's steps, days per step and, under ``nhv``, permits per
healthcare region) are
drawn by matplotlib and inlined as SVG, so that the file opens offline with
nothing beside it. matplotlib is the optional extra ``nhvflow[report]``.

Public through :mod:`nhvflow.simulate`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from nhvflow._sim_regimes import STEP_LABELS
from nhvflow._sim_result import KINDS, SimulationResult
from nhvflow.model import HealthcareRegion
from nhvflow.states import builtin_processes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "RULE_TITLES",
    "STEP_LABELS",
    "grants_permits",
    "render_html",
    "render_table",
    "write_html",
]

RULE_TITLES: dict[str, str] = {
    r.id: r.title_en for p in builtin_processes().values() for r in p.rules
}
"""The English title of every rule of the built-in regimes, by rule id."""
_RULE_TITLES = RULE_TITLES
_KIND_LABELS = {
    "care": "care",
    "care_and_advisory": "care + advice",
    "advisory_only": "advice only",
}
_COLOUR = "#1f6f8b"
_ACCENT = "#e07a1f"
_MISSING = "#c0392b"


def _days(value: int | None) -> str:
    return "-" if value is None else str(value)


def _count(n: int) -> str:
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if n < len(words) else str(n)


def grants_permits(result: SimulationResult) -> bool:
    """Whether the result's regime grants NHV permits (only ``nhv`` does;
    the permits tables and chart are left out for the others)."""
    return result.scenario.process == "nhv"


def render_table(result: SimulationResult) -> Group:
    """The result as rich tables (print with ``rich.console.Console().print``).

    .. versionadded:: 0.1
    """
    head = Table(title="Simulation", show_header=False, title_justify="left")
    head.add_row("process", result.scenario.process)
    head.add_row("proposals", f"{result.proposals} ({result.pilots} pilots)")
    head.add_row("seeds", ", ".join(map(str, result.seeds)))
    head.add_row("events written", str(result.events))
    head.add_row("overdue at the end", str(result.overdue))
    states_in_favour = " / ".join(sorted(result.approved_states))
    head.add_row(
        f"ended {states_in_favour}",
        f"{result.approved} (advisory only: {result.advisory_only_approved} of "
        f"{result.advisory_only})",
    )
    head.add_row("seconds", f"{result.elapsed:.1f}")

    states = Table(title="Final states", title_justify="left")
    states.add_column("state")
    for kind in KINDS:
        states.add_column(_KIND_LABELS[kind], justify="right")
    states.add_column("all", justify="right")
    for state, total in result.final_states.items():
        by_kind = [str(result.final_states_by_kind[k].get(state, 0)) for k in KINDS]
        states.add_row(state, *by_kind, str(total))

    refusals = Table(title="Refused steps, by rule", title_justify="left")
    refusals.add_column("rule", no_wrap=True)
    refusals.add_column("refusals", justify="right")
    refusals.add_column("title", ratio=1)
    for rule, count in result.refusals.items():
        refusals.add_row(rule, str(count), _RULE_TITLES.get(rule, ""))
    if not result.refusals:
        refusals.add_row("(none)", "0", "")

    days = Table(title="Days per step", title_justify="left")
    for name, justify in (("step", "left"), ("", "left"), ("cases", "right")):
        days.add_column(name, justify=justify)  # type: ignore[arg-type]
    days.add_column("median", justify="right")
    days.add_column("90th pct", justify="right")
    labels = result.step_labels
    for i, step in enumerate(result.steps):
        figures = result.days(step)
        median, p90 = ("-", "-") if i == 0 else (_days(figures.median), _days(figures.p90))
        days.add_row(step, labels[step], str(result.funnel[step]), median, p90)
    end = result.end_to_end
    days.add_row(
        "", "end to end (to the settling step)", str(end.n), _days(end.median), _days(end.p90)
    )

    if not grants_permits(result):
        return Group(head, states, refusals, days)
    permits = Table(title="Valid permits, by healthcare region", title_justify="left")
    permits.add_column("healthcare region")
    permits.add_column("permits", justify="right")
    for name, count in result.permits_by_healthcare_region.items():
        label = HealthcareRegion[name].swedish_name
        permits.add_row(label, str(count) if count else "[bold red]0[/]")
    missing = result.healthcare_regions_without_permits
    permits.caption = (
        "Every healthcare region holds a permit."
        if not missing
        else f"No permit in {len(missing)} healthcare region(s)."
    )
    return Group(head, states, refusals, days, permits)


# -- HTML ------------------------------------------------------------------------------


def _pyplot_free_figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError(
            "the HTML report draws its charts with matplotlib; install the extra: "
            "pip install 'nhvflow[report]'"
        ) from exc
    return Figure(figsize=(width, height), layout="constrained")


@contextmanager
def _svg_style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(
        {"svg.hashsalt": "nhvflow", "svg.fonttype": "none", "font.size": 10}
    ):
        yield


def _svg(fig: Figure, label: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=dict.fromkeys(("Creator", "Date", "Format", "Type")))
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', 1)


def _funnel(result: SimulationResult) -> str:
    fig = _pyplot_free_figure(7.5, 3.6)
    ax = fig.add_subplot()
    names = result.step_labels
    labels = [f"{s}  {names[s]}" for s in result.steps]
    counts = [result.funnel[s] for s in result.steps]
    bars = ax.barh(labels, counts, color=_COLOUR)
    ax.bar_label(bars, padding=3)
    ax.invert_yaxis()
    ax.set_xlabel("proposals that reached the step")
    ax.set_xlim(0, max(max(counts), 1) * 1.12)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, f"Funnel: proposals reaching each of the {len(result.steps)} steps")


def _time_per_step(result: SimulationResult) -> str:
    fig = _pyplot_free_figure(7.5, 3.6)
    ax = fig.add_subplot()
    steps = list(result.steps[1:])
    names = result.step_labels
    labels = [f"{s}  {names[s]}" for s in steps] + ["end to end"]
    figures = [result.days(s) for s in steps] + [result.end_to_end]
    medians = [f.median or 0 for f in figures]
    p90s = [f.p90 or 0 for f in figures]
    ax.barh(labels, p90s, color=_ACCENT, alpha=0.35, label="90th percentile")
    bars = ax.barh(labels, medians, color=_COLOUR, height=0.5, label="median")
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("days")
    fig.legend(loc="outside upper right", ncols=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "Days per step: median and 90th percentile")


def _permits(result: SimulationResult) -> str:
    fig = _pyplot_free_figure(7.5, 3.0)
    ax = fig.add_subplot()
    by_region = result.permits_by_healthcare_region
    labels = [_short(HealthcareRegion[h]) for h in by_region]
    counts = list(by_region.values())
    colours = [_COLOUR if n else _MISSING for n in counts]
    bars = ax.bar(labels, counts, color=colours)
    ax.bar_label(bars, padding=2)
    ax.set_ylabel("valid permits")
    ax.tick_params(axis="x", labelrotation=20)
    ax.set_ylim(0, max(max(counts), 1) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "Valid permits per healthcare region")


def _short(region: HealthcareRegion) -> str:
    name = region.swedish_name.replace("Sjukvårdsregion ", "").replace(" sjukvårdsregionen", "")
    return name[:1].upper() + name[1:]


def _rows(rows: list[list[Any]], head: list[str]) -> str:
    def cell(tag: str, value: Any) -> str:
        align = ' class="n"' if isinstance(value, int) else ""
        return f"<{tag}{align}>{html.escape(str(value))}</{tag}>"

    header = "".join(cell("th", h) for h in head)
    body = "".join("<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.2rem .7rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.9rem}
.note{color:#555;font-size:.9rem}
"""


def render_html(result: SimulationResult, *, title: str = "nhvflow simulation") -> str:
    """A self-contained HTML report: figures, tables and SVG charts inline
    (no scripts, no external files): the funnel and the days per step, and
    under ``nhv`` the permits per healthcare region. Needs ``nhvflow[report]``.

    .. versionadded:: 0.1
    """
    permits = grants_permits(result)
    with _svg_style():
        charts = {
            "funnel": _funnel(result),
            "time-per-step": _time_per_step(result),
        }
        if permits:
            charts["permits"] = _permits(result)
    s = result.scenario
    missing = result.healthcare_regions_without_permits
    reach = (
        "Every healthcare region holds at least one permit."
        if not missing
        else "No permit in: " + ", ".join(HealthcareRegion[h].swedish_name for h in missing) + "."
    )
    labels = result.step_labels
    figure = '<figure id="{id}">{svg}<figcaption>{caption}</figcaption></figure>'
    states = [
        [state, *[result.final_states_by_kind[k].get(state, 0) for k in KINDS], total]
        for state, total in result.final_states.items()
    ]
    refusals = [[r, n, _RULE_TITLES.get(r, "")] for r, n in result.refusals.items()]
    days = [
        [step, labels[step], result.funnel[step], _days(result.days(step).median),
         _days(result.days(step).p90)]
        for step in result.steps[1:]
    ]  # fmt: skip
    end = result.end_to_end
    days.append(["", "end to end", end.n, _days(end.median), _days(end.p90)])
    mapping = s.mapping_completed.isoformat() if s.mapping_completed else "never"
    seeds = html.escape(", ".join(map(str, result.seeds)))
    in_favour = " or ".join(sorted(result.approved_states))
    summary = (
        f"{result.proposals} proposals ({result.pilots} pilots) under regime "
        f"<code>{html.escape(s.process)}</code>; seeds {seeds}; "
        f"{result.events} events written; {result.overdue} obligations overdue at the end; "
        + (
            f"overall mapping completed {mapping}; "
            f"{result.advisory_only_not_eligible} advisory-only proposals closed as not "
            "eligible; "
            if permits
            else ""
        )
        + f"{result.approved} proposals ended {html.escape(in_favour)}, "
        f"{result.advisory_only_approved} of the {result.advisory_only} advisory-only ones."
    )
    permits_section = (
        f"""<h2>Permits per healthcare region</h2>
{figure.format(id="permits", svg=charts["permits"], caption=html.escape(reach))}
<p class="note">Region Halland counts for both Västra and Södra.</p>
"""
        if permits
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>{summary}</p>
<h2>Funnel through the {_count(len(result.steps))} steps</h2>
{figure.format(id="funnel", svg=charts["funnel"], caption="Proposals that reached each step.")}
<h2>Final states</h2>
{_rows(states, ["state", *[_KIND_LABELS[k] for k in KINDS], "all"])}
<h2>Refused steps, by rule</h2>
{_rows(refusals, ["rule", "refusals", "title"]) if refusals else "<p>None.</p>"}
<p class="note">Each refused step counts once for every rule that refused it.</p>
<h2>Days per step</h2>
{
        figure.format(
            id="time-per-step",
            svg=charts["time-per-step"],
            caption="Median and 90th percentile days per step; end to end is from the "
            "proposal to the step that settled it.",
        )
    }
{_rows(days, ["step", "", "cases", "median", "90th percentile"])}
{permits_section}</body></html>
"""


def write_html(
    result: SimulationResult, path: str | Path, *, title: str = "nhvflow simulation"
) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path.

    .. versionadded:: 0.1
    """
    target = Path(path)
    target.write_text(render_html(result, title=title), encoding="utf-8")
    return target
