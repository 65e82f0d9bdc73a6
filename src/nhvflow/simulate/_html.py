"""The HTML report of a :class:`~nhvflow.simulate.SimulationResult`: one
self-contained file, in English or Swedish (``lang="sv"``; ``<html lang>``
follows), whose charts are drawn by matplotlib and inlined as SVG, so that
it opens offline with nothing beside it. matplotlib is the optional extra
``nhvflow[report]``.

The report says what it assumed (the scenario's parameters), when and with
which nhvflow it was made, and shows the funnel through the regime's steps,
the final states and refusals in words, the days per step and, under
``nhv``, the permits over time and per healthcare region; with several
replications, the spread between them.

Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

import html
import io
import re
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nhvflow.model import HealthcareRegion
from nhvflow.simulate._regimes import regime_steps
from nhvflow.simulate._report import days_text, grants_permits, permits_over_time, spread
from nhvflow.simulate._result import KINDS, SimulationResult
from nhvflow.simulate._words import (
    Lang,
    assumptions,
    check_lang,
    kind_label,
    made_with,
    rule_title,
    state_words,
    word,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["render_html", "write_html"]

_COLOUR = "#1f6f8b"
_ACCENT = "#e07a1f"
_MISSING = "#c0392b"
_NUMBER = re.compile(r"^(-|\d+([.,]\d+)?)$")
_ASSUMED = "The scenario's parameters as this run used them (the regime's own ones)."
_COUNTS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "sv": ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio"),
}


def _count(n: int, lang: Lang) -> str:
    words = _COUNTS[lang]
    return words[n] if n < len(words) else str(n)


def _funnel_heading(steps: int, lang: Lang) -> str:
    count = _count(steps, lang)
    return (
        f"Tratten genom de {count} stegen" if lang == "sv" else f"Funnel through the {count} steps"
    )


def _figure(width: float, height: float) -> Figure:
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


def _plain(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)


def _funnel(result: SimulationResult, lang: Lang) -> str:
    fig = _figure(7.5, 3.6)
    ax = fig.add_subplot()
    steps = regime_steps(result.scenario.process)
    labels = [f"{s}  {steps.label(s, lang)}" for s in result.steps]
    counts = [result.funnel[s] for s in result.steps]
    bars = ax.barh(labels, counts, color=_COLOUR)
    ax.bar_label(bars, padding=3)
    ax.invert_yaxis()
    ax.set_xlabel(word("proposals that reached the step", lang))
    ax.set_xlim(0, max(max(counts), 1) * 1.12)
    _plain(ax)
    return _svg(fig, word("Funnel through the steps", lang))


def _time_per_step(result: SimulationResult, lang: Lang) -> str:
    fig = _figure(7.5, 3.6)
    ax = fig.add_subplot()
    steps = list(result.steps[1:])
    regime = regime_steps(result.scenario.process)
    labels = [f"{s}  {regime.label(s, lang)}" for s in steps] + [word("end to end", lang)]
    figures = [result.days(s) for s in steps] + [result.end_to_end]
    medians = [f.median or 0 for f in figures]
    p90s = [f.p90 or 0 for f in figures]
    ax.barh(labels, p90s, color=_ACCENT, alpha=0.35, label=word("90th percentile", lang))
    bars = ax.barh(labels, medians, color=_COLOUR, height=0.5, label=word("median", lang))
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(word("days", lang))
    fig.legend(loc="outside upper right", ncols=2, frameon=False)
    _plain(ax)
    return _svg(fig, word("Days per step", lang))


def _over_time(result: SimulationResult, lang: Lang) -> str:
    """Valid permits at the end of each year: one line, or with several
    replications their median and the band from the lowest to the highest."""
    fig = _figure(7.5, 3.0)
    ax = fig.add_subplot()
    by_year = permits_over_time(result)
    xs = list(by_year)
    columns = list(by_year.values())
    top = max(max(c) for c in columns)
    if len(columns[0]) == 1:
        ys = [c[0] for c in columns]
        ax.plot(xs, ys, color=_COLOUR, marker="o", linewidth=2)
        for x, y in zip(xs, ys, strict=True):
            ax.annotate(str(y), (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    else:
        low = [min(c) for c in columns]
        high = [max(c) for c in columns]
        mid = [statistics.median(c) for c in columns]
        ax.fill_between(
            xs,
            low,
            high,
            color=_ACCENT,
            alpha=0.3,
            label=word("lowest to highest replication", lang),
        )
        ax.plot(
            xs, mid, color=_COLOUR, marker="o", linewidth=2,
            label=word("median of the replications", lang),
        )  # fmt: skip
        fig.legend(loc="outside upper left", ncols=2, frameon=False)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_ylabel(word("valid permits", lang))
    ax.set_ylim(0, top * 1.18 + 1)
    _plain(ax)
    return _svg(fig, word("Permits over time", lang))


def _permits(result: SimulationResult, lang: Lang) -> str:
    fig = _figure(7.5, 3.0)
    ax = fig.add_subplot()
    by_region = result.permits_by_healthcare_region
    labels = [_short(HealthcareRegion[h]) for h in by_region]
    counts = list(by_region.values())
    colours = [_COLOUR if n else _MISSING for n in counts]
    bars = ax.bar(labels, counts, color=colours)
    ax.bar_label(bars, padding=2)
    ax.set_ylabel(word("valid permits", lang))
    ax.tick_params(axis="x", labelrotation=20)
    ax.set_ylim(0, max(max(counts), 1) * 1.15)
    _plain(ax)
    return _svg(fig, word("Permits per healthcare region", lang))


def _short(region: HealthcareRegion) -> str:
    name = region.swedish_name.replace("Sjukvårdsregion ", "").replace(" sjukvårdsregionen", "")
    return name[:1].upper() + name[1:]


def _rows(rows: list[list[Any]], head: list[str], *, tag: str = "") -> str:
    def numeric(value: Any) -> bool:
        return isinstance(value, int) or (isinstance(value, str) and bool(_NUMBER.match(value)))

    def cell(kind: str, value: Any, right: bool) -> str:
        align = ' class="n"' if right else ""
        return f"<{kind}{align}>{html.escape(str(value))}</{kind}>"

    columns = [all(numeric(row[i]) for row in rows) if rows else False for i in range(len(head))]
    header = "".join(cell("th", h, columns[i]) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", v, numeric(v)) for v in row) + "</tr>" for row in rows
    )
    return f"<table{tag}><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.2rem .7rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.rules td:first-child{white-space:nowrap;font-family:ui-monospace,monospace;font-size:.85rem}
.rules td:last-child{white-space:normal;overflow-wrap:anywhere}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.9rem}
.note,.made{color:#555;font-size:.9rem}.made{margin-top:0}
"""


def _summary(result: SimulationResult, lang: Lang) -> str:
    s = result.scenario

    def w(text: str) -> str:
        return word(text, lang)

    seeds = html.escape(", ".join(map(str, result.seeds)))
    in_favour = f" {w('or')} ".join(
        state_words(s.process, st, lang) for st in sorted(result.approved_states)
    )
    mapping = s.mapping_completed.isoformat() if s.mapping_completed else w("never")
    if lang == "sv":
        text = (
            f"{result.proposals} förslag ({result.pilots} piloter) under regimen "
            f"<code>{html.escape(s.process)}</code>; slumpfrön {seeds}; "
            f"{result.events} händelser skrivna; "
            f"{result.overdue} skyldigheter försenade vid slutet; "
        )
        if grants_permits(result):
            text += (
                f"övergripande kartläggning klar {mapping}; "
                f"{result.advisory_only_not_eligible} förslag om endast rådgivning avslutade "
                "som inte aktuella; "
            )
        return text + (
            f"{result.approved} förslag slutade {html.escape(in_favour)}, "
            f"{result.advisory_only_approved} av de {result.advisory_only} om endast rådgivning."
        )
    text = (
        f"{result.proposals} proposals ({result.pilots} pilots) under regime "
        f"<code>{html.escape(s.process)}</code>; seeds {seeds}; {result.events} events written; "
        f"{result.overdue} obligations overdue at the end; "
    )
    if grants_permits(result):
        text += (
            f"overall mapping completed {mapping}; "
            f"{result.advisory_only_not_eligible} advisory-only proposals closed as not "
            "eligible; "
        )
    return text + (
        f"{result.approved} proposals ended {html.escape(in_favour)}, "
        f"{result.advisory_only_approved} of the {result.advisory_only} advisory-only ones."
    )


def _summed(result: SimulationResult, lang: Lang) -> str:
    if len(result.seeds) < 2:
        return ""
    return " " + word("Figures are summed over the replications; the spread shows each.", lang)


def render_html(
    result: SimulationResult,
    *,
    title: str | None = None,
    lang: Lang = "en",
    made_at: datetime | None = None,
) -> str:
    """A self-contained HTML report: figures, tables and SVG charts inline
    (no scripts, no external files), in English or, with ``lang="sv"``,
    Swedish. Needs ``nhvflow[report]``.

    :param title: the heading (default "nhvflow simulation", in ``lang``).
    :param made_at: when the report says it was made (default: now); give it
        to make the same result give the same file.

    .. versionadded:: 0.1
    """
    lang = check_lang(lang)

    def w(text: str) -> str:
        return word(text, lang)

    title = w("nhvflow simulation") if title is None else title
    process = result.scenario.process
    permits = grants_permits(result)
    over_time = permits and bool(result.permits_by_year)
    with _svg_style():
        funnel = _funnel(result, lang)
        time_per_step = _time_per_step(result, lang)
        time_chart = _over_time(result, lang) if over_time else ""
        region_chart = _permits(result, lang) if permits else ""
    figure = '<figure id="{id}">{svg}<figcaption>{caption}</figcaption></figure>'
    steps = regime_steps(process)
    states = [
        [state_words(process, state, lang),
         *[result.final_states_by_kind[k].get(state, 0) for k in KINDS], total]
        for state, total in result.final_states.items()
    ]  # fmt: skip
    refusals = [[r, n, rule_title(r, lang)] for r, n in result.refusals.items()]
    days = [
        [step, steps.label(step, lang), result.funnel[step],
         days_text(result.days(step).median), days_text(result.days(step).p90)]
        for step in result.steps[1:]
    ]  # fmt: skip
    end = result.end_to_end
    days.append(["", w("end to end"), end.n, days_text(end.median), days_text(end.p90)])
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="made">{html.escape(made_with(lang, made_at))}</p>',
        f"<p>{_summary(result, lang)}{_summed(result, lang)}</p>",
        f"<h2>{w('Assumptions')}</h2>",
        f'<p class="note">{w(_ASSUMED)}</p>',
        _rows(
            [list(row) for row in assumptions(result.scenario, len(result.seeds), lang)],
            [w("parameter"), w("value")],
            tag=' id="assumptions"',
        ),
        f"<h2>{_funnel_heading(len(result.steps), lang)}</h2>",
        figure.format(id="funnel", svg=funnel, caption=w("Proposals that reached each step.")),
    ]
    rows = spread(result, lang)
    if rows:
        parts += [
            f"<h2>{w('Spread across replications')} ({len(result.replications)})</h2>",
            _rows(
                [list(r) for r in rows],
                [w("figure"), w("lowest"), w("median"), w("highest")],
                tag=' id="spread"',
            ),
        ]
    parts += [
        f"<h2>{w('Final states')}</h2>",
        _rows(states, [w("state"), *[kind_label(k, lang) for k in KINDS], w("all")]),
        f"<h2>{w('Refused steps, by rule')}</h2>",
        _rows(refusals, [w("rule"), w("refusals"), w("title")], tag=' class="rules"')
        if refusals
        else f"<p>{w('None.')}</p>",
        f'<p class="note">{w("Each refused step counts once for every rule that refused it.")}</p>',
        f"<h2>{w('Days per step')}</h2>",
        figure.format(
            id="time-per-step",
            svg=time_per_step,
            caption=w(
                "Median and 90th percentile days per step; end to end is from the proposal to "
                "the step that settled it."
            ),
        ),
        _rows(days, [w("step"), "", w("cases"), w("median"), w("90th percentile")]),
    ]
    if over_time:
        caption = w("valid permits at the end of each year")
        parts += [
            f"<h2>{w('Permits over time')}</h2>",
            figure.format(id="permits-over-time", svg=time_chart, caption=caption.capitalize()),
        ]
    if permits:
        missing = result.healthcare_regions_without_permits
        reach = (
            w("Every healthcare region holds at least one permit.")
            if not missing
            else f"{w('No permit in')}: "
            + ", ".join(HealthcareRegion[h].swedish_name for h in missing)
            + "."
        )
        parts += [
            f"<h2>{w('Permits per healthcare region')}</h2>",
            figure.format(id="permits", svg=region_chart, caption=html.escape(reach)),
            f'<p class="note">{w("Region Halland counts for both Västra and Södra.")}</p>',
        ]
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nhvflow">
<title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body>
{body}
</body></html>
"""


def write_html(
    result: SimulationResult,
    path: str | Path,
    *,
    title: str | None = None,
    lang: Lang = "en",
    made_at: datetime | None = None,
) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path.

    .. versionadded:: 0.1
    """
    target = Path(path)
    target.write_text(render_html(result, title=title, lang=lang, made_at=made_at), "utf-8")
    return target
