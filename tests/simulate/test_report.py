"""The HTML report is self-contained, its charts are drawn, it states its
assumptions, when and with which nhvflow it was made, and it is Swedish with
lang="sv": checked on the HTML and SVG everywhere, and in headless Chromium
where it is installed."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

import nhvflow
from nhvflow.simulate import SimulationResult, render_html, replicate, run, write_html

from .conftest import small

pytest.importorskip("matplotlib", reason="the HTML report needs nhvflow[report]")

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("funnel", "time-per-step", "permits-over-time", "permits")
MADE = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module", name="result")
def _result() -> SimulationResult:
    return run(small(proposals=60), seed=41)


@pytest.fixture(scope="module", name="replicated")
def _replicated() -> SimulationResult:
    return replicate(small(proposals=40), seed=5, replications=3)


def figure(page: str, chart: str) -> str:
    found = re.search(rf'<figure id="{chart}">(.*?)</figure>', page, re.S)
    assert found, f"no figure {chart!r} in the report"
    return found.group(1)


def test_each_chart_is_an_inline_svg_with_its_bars_and_labels(result):
    """Every chart is an inline SVG with one drawn bar per category and its text labels."""
    page = render_html(result)
    bars = {"funnel": 8, "time-per-step": 2 * 8, "permits": 6, "permits-over-time": 1}
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


def test_the_report_names_the_refusing_rules_and_the_final_states_in_words(result):
    """The tables carry the refusals per rule with each rule's whole title,
    and the final states in words from the process table, not their ids."""
    page = render_html(result)
    process = nhvflow.open().process("nhv")
    for rule in result.refusals:
        found = process.rule(rule)
        assert found is not None
        assert f"<td>{rule}</td>" in page
        assert f"<td>{found.title_en.replace(chr(39), '&#x27;')}</td>" in page
    for state in result.final_states:
        assert f"<td>{process.states[state].en}</td>" in page
        assert f"<td>{state}</td>" not in page


def test_the_same_result_gives_the_same_report(result, tmp_path):
    """The report is reproducible when it is told when it was made: no
    other dates or random ids."""
    first = write_html(result, tmp_path / "a.html", made_at=MADE).read_text(encoding="utf-8")
    assert first == render_html(result, made_at=MADE)


def test_the_report_says_when_and_with_which_nhvflow_it_was_made(result):
    """The line under the title gives the time (UTC) and nhvflow's version."""
    page = render_html(result, made_at=MADE)
    assert f"Made 2026-12-05 10:30 UTC with nhvflow {nhvflow.__version__}." in page
    assert "Skapad 2026-12-05 10:30 UTC med nhvflow" in render_html(result, lang="sv", made_at=MADE)
    now = datetime.now(UTC).strftime("%Y-%m-%d")
    assert f"Made {now}" in render_html(result)


def test_the_report_states_its_assumptions(result):
    """The scenario's parameters are listed: proposals, start, mapping date,
    shares, durations and the actors' probabilities."""
    page = render_html(result)
    table = re.search(r'<table id="assumptions">(.*?)</table>', page, re.S)
    assert table, "no assumptions table"
    text = table.group(1)
    s = result.scenario
    for expected in (
        f">{s.proposals}</td>",
        s.start.isoformat(),
        s.mapping_completed.isoformat() if s.mapping_completed else "never",
        "20\u00a0%",
        "days for the expert group&#x27;s basis",
        "lognormal: median 240 days, sigma 0.35",
        "the basis recommends NHV",
    ):
        assert expected in text, expected


def test_the_report_shows_permits_over_time(result):
    """Under nhv a chart shows the valid permits at the end of each year,
    rising to the permits held at the end."""
    page = render_html(result)
    svg = figure(page, "permits-over-time")
    over_time = result.permits_over_time()
    assert list(over_time.values())[-1] == result.permits
    for year in over_time:
        assert f">{year}<" in svg or str(year) in svg
    assert str(result.permits) in svg


def test_several_replications_show_their_spread(replicated):
    """With three replications the report has a spread table (lowest, median,
    highest per replication) and the permits over time as a band."""
    page = render_html(replicated)
    table = re.search(r'<table id="spread">(.*?)</table>', page, re.S)
    assert table, "no spread table"
    approved = sorted(r.approved for r in replicated.replications)
    row = re.search(r"<td>proposals ended with an establishment</td>(.*?)</tr>", table.group(1))
    assert row
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells == [str(approved[0]), str(approved[1]), str(approved[2])]
    assert "lowest to highest replication" in figure(page, "permits-over-time")


def test_one_replication_has_no_spread_section(result):
    """A single run has nothing to spread."""
    assert 'id="spread"' not in render_html(result)


SWEDISH = (
    "Antaganden",
    "Tratten genom de åtta stegen",
    "Slutlägen",
    "Stoppade steg, per regel",
    "Dagar per steg",
    "Tillstånd över tid",
    "Tillstånd per sjukvårdsregion",
    "förslag som nådde steget",
    "Beslut om tillstånd (nämnden)",
    "tillstånd beviljade",
    "Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras",
    "dagar",
)
ENGLISH = (
    "Assumptions",
    "Funnel",
    "Final states",
    "Refused steps",
    "Days per step",
    "Permits over time",
    "proposals that reached",
    "Permit decision",
    "permits granted",
    "end to end",
    "90th percentile",
    "healthcare region",
)


def test_the_swedish_report_is_swedish(result, replicated):
    """With lang="sv" the page says lang="sv" and its headings, table heads,
    states, rules and chart labels are Swedish, with no English left."""
    for res in (result, replicated):
        page = render_html(res, lang="sv")
        assert '<html lang="sv">' in page
        for words in SWEDISH:
            assert words in page, words
        for words in ENGLISH:
            assert words not in page, words
        assert "<title>Simulering med nhvflow</title>" in page
    assert "Spridning mellan replikeringarna" in render_html(replicated, lang="sv")


def test_the_english_report_says_lang_en(result):
    """The default report is English and says so."""
    assert '<html lang="en">' in render_html(result)


def test_a_language_other_than_en_or_sv_is_refused(result):
    """lang="de" raises ValueError naming the choices."""
    with pytest.raises(ValueError, match="'en' or 'sv'"):
        render_html(result, lang="de")  # type: ignore[arg-type]


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


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)
def test_the_swedish_report_reads_swedish_in_headless_chromium(replicated, tmp_path):
    """Headless Chromium loads the lang="sv" report and its rendered DOM has
    lang="sv" and only Swedish headings."""
    page = write_html(replicated, tmp_path / "rapport.html", lang="sv")
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    dom = done.stdout
    assert '<html lang="sv">' in dom, done.stderr
    headings = re.findall(r"<h2>(.*?)</h2>", dom)
    assert headings == [
        "Antaganden",
        "Tratten genom de åtta stegen",
        "Spridning mellan replikeringarna (3)",
        "Slutlägen",
        "Stoppade steg, per regel",
        "Dagar per steg",
        "Tillstånd över tid",
        "Tillstånd per sjukvårdsregion",
    ]
