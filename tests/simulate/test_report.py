"""The HTML report is self-contained and its three charts are drawn: checked
on the SVG itself everywhere, and in headless Chromium where it is installed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from nhvflow.simulate import SimulationResult, render_html, run, write_html

from .conftest import small

pytest.importorskip("matplotlib", reason="the HTML report needs nhvflow[report]")

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("funnel", "time-per-step", "permits")


@pytest.fixture(scope="module", name="result")
def _result() -> SimulationResult:
    return run(small(proposals=60), seed=41)


def figure(page: str, chart: str) -> str:
    found = re.search(rf'<figure id="{chart}">(.*?)</figure>', page, re.S)
    assert found, f"no figure {chart!r} in the report"
    return found.group(1)


def test_each_chart_is_an_inline_svg_with_its_bars_and_labels(result):
    """Every chart is an inline SVG with one drawn bar per category and its text labels."""
    page = render_html(result)
    bars = {"funnel": 8, "time-per-step": 2 * 8, "permits": 6}
    for chart, count in bars.items():
        svg = figure(page, chart)
        assert svg.startswith("<svg") and svg.count("</svg>") == 1
        drawn = re.findall(r'<g id="patch_\d+">\s*<path d="([^"]+)"', svg)
        assert len(drawn) >= count, chart
        assert all(len(d) > 20 for d in drawn)
    assert "Permit decision (board)" in figure(page, "funnel")
    assert "end to end" in figure(page, "time-per-step")
    assert "Norra" in figure(page, "permits")
    assert str(result.funnel["1"]) in figure(page, "funnel")


def test_the_report_opens_offline(result):
    """No scripts, no external stylesheets, images or fonts: one file is the whole report."""
    page = render_html(result)
    assert "<script" not in page
    outside = re.findall(r'(?:src|href)="(?!#)([^"]+)"', page)
    assert outside == []
    assert "http" not in re.sub(r'xmlns(:xlink)?="http[^"]+"', "", page)


def test_the_report_names_the_refusing_rules_and_the_final_states(result):
    """The tables of the report carry the refusals per rule and the final states."""
    page = render_html(result)
    for rule in result.refusals:
        assert rule in page
    for state in result.final_states:
        assert f"<td>{state}</td>" in page


def test_the_same_result_gives_the_same_report(result, tmp_path):
    """The report is reproducible: no dates or random ids in the SVG."""
    first = write_html(result, tmp_path / "a.html").read_text(encoding="utf-8")
    assert first == render_html(result)


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium "
    "(apt-get install chromium); the SVG checks above still run",
)
def test_the_charts_render_in_headless_chromium(result, tmp_path):
    """A screenshot of the report in headless Chromium shows the bars of the charts."""
    from PIL import Image

    page = write_html(result, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1100,4200", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
        cwd=tmp_path,
    )  # fmt: skip
    assert shot.exists(), done.stderr
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 24) or []

    def near(colour: tuple[int, int, int]) -> int:
        close = (all(abs(a - b) <= 12 for a, b in zip(c, colour, strict=True)) for _, c in colours)
        return sum(n for (n, _), near in zip(colours, close, strict=True) if near)

    assert near((0x1F, 0x6F, 0x8B)) > 20_000  # the bars of the funnel, medians and permits
    assert near((0xF5, 0xD3, 0xB3)) > 2_000  # the 90th-percentile bars (orange at 35 %)
