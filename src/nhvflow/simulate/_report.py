"""A :class:`~nhvflow.simulate.SimulationResult` for people, in the
terminal: rich tables, in English or Swedish (``lang="sv"``). The HTML
report is :mod:`nhvflow.simulate._html`; their words are
:mod:`nhvflow.simulate._words`.

Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from rich.console import Group
from rich.table import Table

from nhvflow.model import HealthcareRegion
from nhvflow.simulate._regimes import STEP_LABELS, regime_steps
from nhvflow.simulate._result import KINDS, SimulationResult
from nhvflow.simulate._words import Lang, check_lang, kind_label, rule_title, state_words, word
from nhvflow.states import builtin_processes

__all__ = [
    "RULE_TITLES",
    "STEP_LABELS",
    "grants_permits",
    "permits_over_time",
    "render_table",
    "spread",
]

RULE_TITLES: dict[str, str] = {
    r.id: r.title_en for p in builtin_processes().values() for r in p.rules
}
"""The English title of every rule of the built-in regimes, by rule id."""


def days_text(value: int | None) -> str:
    """Whole days, or "-" for none."""
    return "-" if value is None else str(value)


def grants_permits(result: SimulationResult) -> bool:
    """Whether the result's regime grants NHV permits (only ``nhv`` does;
    the permits tables and chart are left out for the others)."""
    return result.scenario.process == "nhv"


def spread(result: SimulationResult, lang: Lang) -> list[tuple[str, str, str, str]]:
    """The headline figures of the replications as (figure, lowest, median,
    highest) rows; empty for a single replication."""
    reps = result.replications
    if len(reps) < 2:
        return []

    def row(label: str, values: Sequence[int | None]) -> tuple[str, str, str, str]:
        known = [v for v in values if v is not None]
        if not known:
            return (word(label, lang), "-", "-", "-")
        return (word(label, lang), str(min(known)), _median(known, lang), str(max(known)))

    rows = [
        row("proposals ended with an establishment", [r.approved for r in reps]),
        row("refused steps", [r.refused_steps for r in reps]),
        row("median days end to end", [r.end_to_end_median for r in reps]),
    ]
    if grants_permits(result):
        rows.insert(1, row("valid permits", [r.permits for r in reps]))
    return rows


def render_table(result: SimulationResult, *, lang: Lang = "en") -> Group:
    """The result as rich tables (print with ``rich.console.Console().print``),
    in English or, with ``lang="sv"``, Swedish: states and rules in words, the
    rules' titles whole, and the spread across replications when there are
    several.

    .. versionadded:: 0.1
    """
    lang = check_lang(lang)

    def w(text: str) -> str:
        return word(text, lang)

    process = result.scenario.process
    head = Table(title=w("Simulation"), show_header=False, title_justify="left")
    head.add_row(w("process"), process)
    head.add_row(w("proposals"), f"{result.proposals} ({result.pilots} {w('pilots')})")
    head.add_row(w("seeds"), ", ".join(map(str, result.seeds)))
    head.add_row(w("events written"), str(result.events))
    head.add_row(w("overdue at the end"), str(result.overdue))
    in_favour = f" {w('or')} ".join(
        state_words(process, s, lang) for s in sorted(result.approved_states)
    )
    head.add_row(
        f"{w('ended')} {in_favour}",
        f"{result.approved} ({w('advisory only')}: {result.advisory_only_approved} {w('of')} "
        f"{result.advisory_only})",
    )
    head.add_row(w("seconds"), f"{result.elapsed:.1f}")

    states = Table(title=w("Final states"), title_justify="left")
    states.add_column(w("state"))
    for kind in KINDS:
        states.add_column(kind_label(kind, lang), justify="right")
    states.add_column(w("all"), justify="right")
    for state, total in result.final_states.items():
        by_kind = [str(result.final_states_by_kind[k].get(state, 0)) for k in KINDS]
        states.add_row(state_words(process, state, lang), *by_kind, str(total))

    refusals = Table(title=w("Refused steps, by rule"), title_justify="left")
    refusals.add_column(w("rule"), no_wrap=True)
    refusals.add_column(w("refusals"), justify="right")
    refusals.add_column(w("title"), ratio=1, overflow="fold")
    for rule, count in result.refusals.items():
        refusals.add_row(rule, str(count), rule_title(rule, lang))
    if not result.refusals:
        refusals.add_row(w("(none)"), "0", "")

    days = Table(title=w("Days per step"), title_justify="left")
    days.add_column(w("step"))
    days.add_column("")
    days.add_column(w("cases"), justify="right")
    days.add_column(w("median"), justify="right")
    days.add_column(w("90th pct"), justify="right")
    steps = regime_steps(process)
    for i, step in enumerate(result.steps):
        figures = result.days(step)
        median, p90 = ("-", "-") if i == 0 else (days_text(figures.median), days_text(figures.p90))
        days.add_row(step, steps.label(step, lang), str(result.funnel[step]), median, p90)
    end = result.end_to_end
    days.add_row(
        "",
        w("end to end (to the settling step)"),
        str(end.n),
        days_text(end.median),
        days_text(end.p90),
    )
    parts: list[Table] = [head, states, refusals, days]

    rows = spread(result, lang)
    if rows:
        table = Table(title=w("Spread across replications"), title_justify="left")
        table.add_column(w("figure"))
        for name in ("lowest", "median", "highest"):
            table.add_column(w(name), justify="right")
        for r in rows:
            table.add_row(*r)
        parts.append(table)

    if not grants_permits(result):
        return Group(*parts)
    permits = Table(title=w("Valid permits, by healthcare region"), title_justify="left")
    permits.add_column(w("healthcare region"))
    permits.add_column(w("permits"), justify="right")
    for name, count in result.permits_by_healthcare_region.items():
        label = HealthcareRegion[name].swedish_name
        permits.add_row(label, str(count) if count else "[bold red]0[/]")
    missing = result.healthcare_regions_without_permits
    permits.caption = (
        w("Every healthcare region holds a permit.")
        if not missing
        else f"{w('No permit in')}: "
        + ", ".join(HealthcareRegion[h].swedish_name for h in missing)
        + "."
    )
    parts.append(permits)
    over_time = permits_over_time(result)
    if over_time:
        years = Table(
            title=w("Permits over time"),
            title_justify="left",
            caption=w("valid permits at the end of each year"),
            caption_justify="left",
        )
        years.add_column(w("year"))
        several = len(result.replications) > 1
        names = ("lowest", "median", "highest") if several else ("valid permits",)
        for name in names:
            years.add_column(w(name), justify="right")
        for year, counts in over_time.items():
            if several:
                years.add_row(str(year), str(min(counts)), _median(counts, lang), str(max(counts)))
            else:
                years.add_row(str(year), str(counts[0]))
        parts.append(years)
    return Group(*parts)


def _median(values: Sequence[int], lang: Lang) -> str:
    text = f"{statistics.median(values):g}"
    return text.replace(".", ",") if lang == "sv" else text


def permits_over_time(result: SimulationResult) -> dict[int, list[int]]:
    """Valid permits at the end of each year, one count per replication
    (years from the first a permit starts in any replication to the last)."""
    reps = [r.permits_by_year for r in result.replications] or [result.permits_by_year]
    known = [y for r in reps for y in r]
    if not known:
        return {}
    out: dict[int, list[int]] = {}
    totals = [0] * len(reps)
    for year in range(min(known), max(known) + 1):
        for i, by_year in enumerate(reps):
            totals[i] += by_year.get(year, 0)
        out[year] = list(totals)
    return out
