"""The words of a simulation's tables and report, in English and Swedish:
headings, column names, the regime's states and rules in words, and the
scenario's parameters as a reader's list of assumptions.

Public through :mod:`nhvflow.simulate` (``render_table``, ``render_html``
and ``write_html`` take ``lang="sv"``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import nhvflow
from nhvflow.errors import InvalidPayload, shown
from nhvflow.simulate._days import Distribution, Fixed, LogNormal, Triangular
from nhvflow.simulate._scenario import Scenario
from nhvflow.states import builtin_processes

__all__ = [
    "LANGS",
    "Lang",
    "assumptions",
    "check_lang",
    "kind_label",
    "made_with",
    "rule_title",
    "state_words",
    "word",
]

Lang = Literal["en", "sv"]
"""The languages of a simulation's output."""
LANGS: tuple[Lang, ...] = ("en", "sv")

_PROCESSES = builtin_processes()

_SV: dict[str, str] = {
    # headings and captions
    "nhvflow simulation": "Simulering med nhvflow",
    "Simulation": "Simulering",
    "Assumptions": "Antaganden",
    "Final states": "Slutlägen",
    "Refused steps, by rule": "Stoppade steg, per regel",
    "Days per step": "Dagar per steg",
    "Valid permits, by healthcare region": "Giltiga tillstånd, per sjukvårdsregion",
    "Permits per healthcare region": "Tillstånd per sjukvårdsregion",
    "Permits over time": "Tillstånd över tid",
    "Spread across replications": "Spridning mellan replikeringarna",
    "Funnel through the steps": "Tratten genom stegen",
    "Proposals that reached each step.": "Förslag som nådde varje steg.",
    "Each refused step counts once for every rule that refused it.": (
        "Ett stoppat steg räknas en gång för varje regel som stoppade det."
    ),
    "Median and 90th percentile days per step; end to end is from the proposal to the "
    "step that settled it.": (
        "Median och 90:e percentil i dagar per steg; hela vägen räknas från förslaget till "
        "det steg som avgjorde det."
    ),
    "Region Halland counts for both Västra and Södra.": (
        "Region Halland räknas till både Västra och Södra sjukvårdsregionen."
    ),
    "Every healthcare region holds at least one permit.": (
        "Varje sjukvårdsregion har minst ett tillstånd."
    ),
    "Every healthcare region holds a permit.": "Varje sjukvårdsregion har minst ett tillstånd.",
    "Figures are summed over the replications; the spread shows each.": (
        "Talen är summerade över replikeringarna; spridningen visar var och en."
    ),
    "report written to": "rapporten skriven till",
    "event log": "händelselogg",
    "event logs": "händelseloggar",
    "No permit in": "Inget tillstånd i",
    "None.": "Inga.",
    # column names and row labels
    "state": "läge",
    "care": "vård",
    "care + advice": "vård + rådgivning",
    "advice only": "endast rådgivning",
    "all": "alla",
    "rule": "regel",
    "refusals": "stopp",
    "title": "rubrik",
    "step": "steg",
    "cases": "ärenden",
    "median": "median",
    "90th pct": "90:e pct",
    "90th percentile": "90:e percentil",
    "end to end": "hela vägen",
    "end to end (to the settling step)": "hela vägen (till det avgörande steget)",
    "healthcare region": "sjukvårdsregion",
    "permits": "tillstånd",
    "valid permits": "giltiga tillstånd",
    "year": "år",
    "days": "dagar",
    "figure": "mått",
    "lowest": "lägst",
    "highest": "högst",
    "parameter": "parameter",
    "value": "värde",
    "process": "process",
    "proposals": "förslag",
    "pilots": "piloter",
    "seeds": "slumpfrön",
    "events written": "skrivna händelser",
    "overdue at the end": "försenat vid slutet",
    "seconds": "sekunder",
    "replications": "replikeringar",
    "ended": "slutade",
    "advisory only": "endast rådgivning",
    "of": "av",
    "(none)": "(inga)",
    "proposals that reached the step": "förslag som nådde steget",
    "proposals ended with an establishment": "förslag som ledde till en etablering",
    "refused steps": "stoppade steg",
    "median days end to end": "median dagar hela vägen",
    "median of the replications": "median av replikeringarna",
    "lowest to highest replication": "lägsta till högsta replikering",
    "valid permits at the end of each year": "giltiga tillstånd vid varje års slut",
    # the comparison
    "One population under each regime": "En population under varje regim",
    "established": "etablerade",
    "not established": "inte etablerade",
    "days to settle: median (p90)": "dagar till avgörande: median (p90)",
    "Advisory-only proposals, by final state": "Förslag om endast rådgivning, per slutläge",
    "regime": "regim",
    "final state": "slutläge",
    "an establishment": "en etablering",
    "yes": "ja",
    "no": "nej",
    "Seeds": "Slumpfrön",
    # assumptions
    "proposals per replication": "förslag per replikering",
    "first proposal": "första förslaget",
    "proposals arrive over": "förslagen kommer in under",
    "overall mapping completed": "övergripande kartläggning klar",
    "never": "aldrig",
    "advisory-only share": "andel endast rådgivning",
    "advisory mission beside care": "andel rådgivning vid sidan av vård",
    "follow-up years per permit": "uppföljningsår per tillstånd",
    "programme areas": "programområden",
    "of them pilots": "varav piloter",
    "probability": "sannolikhet",
    "weights": "vikter",
    "fixed": "fast",
    "triangular": "triangelfördelning",
    "lognormal": "lognormalfördelning",
    "low": "lägst",
    "mode": "typvärde",
    "high": "högst",
    "sigma": "sigma",
    "Made": "Skapad",
    "with nhvflow": "med nhvflow",
    "under regime": "under regimen",
    "overall mapping completed on": "övergripande kartläggning klar",
    "advisory-only proposals closed as not eligible": (
        "förslag om endast rådgivning avslutade som inte aktuella"
    ),
    "of the advisory-only ones": "av förslagen om endast rådgivning",
    "The scenario's parameters as this run used them (the regime's own ones).": (
        "Scenariots parametrar som körningen använde dem (de som gäller regimen)."
    ),
    "or": "eller",
}
_DURATIONS: dict[str, tuple[str, str]] = {
    "appoint": ("days to appoint the expert group", "dagar till tillsatt sakkunniggrupp"),
    "recompose": ("days to recompose a refused group", "dagar till ny grupp efter en underkänd"),
    "basis": ("days for the expert group's basis", "dagar för sakkunniggruppens underlag"),
    "open_consultation": ("days to open the consultation", "dagar till remiss"),
    "consultation": ("days of consultation", "dagar på remiss"),
    "decision": ("days to the decision", "dagar till beslut"),
    "closure": ("days from a refusal to closing", "dagar från stopp till avslut"),
    "withdrawal": ("days to a withdrawal", "dagar till återkallelse"),
    "application": ("days to a permit application", "dagar till ansökan om tillstånd"),
    "board_preparation": ("days to prepare the board", "dagar för beredning inför nämnden"),
    "board": ("days to the board's decision", "dagar till nämndens beslut"),
    "follow_up": (
        "days into the new year to a follow-up report",
        "dagar in på nytt år till uppföljningsrapport",
    ),
    "evaluation": ("days to the evaluation", "dagar till utvärdering"),
}
_OUTCOMES = {
    "recommends_nhv": ("the basis recommends NHV", "underlaget rekommenderar NHV"),
    "decide_when_recommended": (
        "NHV decided when recommended",
        "beslut om NHV när det rekommenderas",
    ),
    "decide_when_not_recommended": (
        "NHV decided when not recommended",
        "beslut om NHV när det inte rekommenderas",
    ),
    "withdraw_when_not_recommended": (
        "NPO withdraws after a negative basis",
        "NPO återkallar efter negativt underlag",
    ),
    "units": ("units the basis proposes", "enheter som underlaget föreslår"),
    "applicants": ("regions applying", "regioner som ansöker"),
    "board_grants": ("the board grants (per round)", "nämnden beviljar (per omgång)"),
    "board_rounds": ("board rounds at most", "högst antal omgångar i nämnden"),
    "knowledge_spreading_need": ("need for knowledge spreading", "behov av kunskapsspridning"),
    "special_conditions": ("special conditions on a permit", "särskilda villkor på tillstånd"),
    "flawed_expert_group": ("first expert group flawed", "första sakkunniggruppen bristfällig"),
    "financing": ("form of financing", "finansieringsform"),
    "multi_year_grant": (
        "a multi-year grant asked for first",
        "flerårigt statsbidrag begärs först",
    ),
    "enterprise_supports": ("another enterprise supports", "ett annat hälsoföretag stöder"),
    "permanent_service": ("the service is permanent", "tjänsten är permanent"),
    "goals_met": ("a report says the goals are met", "en rapport anger att målen nåtts"),
}
_USED: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    # regime: (scenario fields, durations, outcomes) the simulated actors read
    "nhv": (
        frozenset({"mapping_completed", "follow_up_years"}),
        frozenset(_DURATIONS),
        frozenset(
            {
                "recommends_nhv",
                "decide_when_recommended",
                "decide_when_not_recommended",
                "withdraw_when_not_recommended",
                "units",
                "applicants",
                "board_grants",
                "board_rounds",
                "knowledge_spreading_need",
                "special_conditions",
                "flawed_expert_group",
            }
        ),
    ),
    "kc-proposal": (
        frozenset({"follow_up_years"}),
        frozenset(
            {
                "application",
                "appoint",
                "basis",
                "consultation",
                "decision",
                "evaluation",
                "open_consultation",
                "recompose",
            }
        ),
        frozenset({"applicants", "financing", "flawed_expert_group", "multi_year_grant", "units"}),
    ),
    "no-competence-service": (
        frozenset({"follow_up_years"}),
        frozenset(
            {
                "appoint",
                "basis",
                "closure",
                "decision",
                "evaluation",
                "follow_up",
                "open_consultation",
            }
        ),
        frozenset(
            {
                "decide_when_not_recommended",
                "decide_when_recommended",
                "enterprise_supports",
                "goals_met",
                "permanent_service",
                "recommends_nhv",
            }
        ),
    ),
}
_KINDS = {
    "care": ("care", "vård"),
    "care_and_advisory": ("care + advice", "vård + rådgivning"),
    "advisory_only": ("advice only", "endast rådgivning"),
}


def check_lang(lang: object) -> Lang:
    """``lang`` if it is ``"en"`` or ``"sv"``; :class:`InvalidPayload` (a
    ``ValueError``) naming ``lang`` otherwise."""
    if lang == "en" or lang == "sv":
        return lang
    raise InvalidPayload("lang", f"must be 'en' or 'sv' (got {shown(lang)})")


def word(text: str, lang: Lang) -> str:
    """``text`` (English) in ``lang``."""
    return _SV.get(text, text) if lang == "sv" else text


def kind_label(kind: str, lang: Lang) -> str:
    """A kind of proposal (``care``, ``care_and_advisory``, ``advisory_only``) in words."""
    en, sv = _KINDS[kind]
    return sv if lang == "sv" else en


def state_words(process: str, state: str, lang: Lang) -> str:
    """A state of a built-in regime in words (``permitted`` -> "permits granted"),
    from the process table; the id itself when the table has no words for it."""
    found = _PROCESSES[process].states.get(state) if process in _PROCESSES else None
    if found is None:
        return state
    return (found.sv if lang == "sv" else found.en) or state


def rule_title(rule_id: str, lang: Lang) -> str:
    """The title of a rule of a built-in regime, whole, in ``lang``."""
    for process in _PROCESSES.values():
        rule = process.rule(rule_id)
        if rule is not None:
            return rule.title(lang)
    return ""


def _number(value: float, lang: Lang) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "sv" else text


def _share(value: float, lang: Lang) -> str:
    percent = _number(round(value * 100, 1), lang)
    return f"{percent}\u00a0%"


def _days(distribution: Distribution, lang: Lang) -> str:
    def w(text: str) -> str:
        return word(text, lang)

    if isinstance(distribution, Fixed):
        return f"{w('fixed')}: {distribution.days} {w('days')}"
    if isinstance(distribution, Triangular):
        d = distribution
        return (
            f"{w('triangular')}: {w('low')} {d.low}, {w('mode')} {d.mode}, "
            f"{w('high')} {d.high} {w('days')}"
        )
    assert isinstance(distribution, LogNormal)
    return (
        f"{w('lognormal')}: {w('median')} {_number(distribution.median, lang)} {w('days')}, "
        f"{w('sigma')} {_number(distribution.sigma, lang)}"
    )


def _weights(weights: dict[int, float] | dict[str, float], lang: Lang) -> str:
    total = sum(weights.values()) or 1.0
    return ", ".join(f"{k}: {_share(v / total, lang)}" for k, v in weights.items())


def assumptions(scenario: Scenario, replications: int, lang: Lang) -> list[tuple[str, str]]:
    """The scenario's parameters as (what, value) rows a reader can check:
    the population, then the days each step takes and the actors' choices
    (only those the regime's simulated actors use)."""

    def w(text: str) -> str:
        return word(text, lang)

    s = scenario
    fields, durations, outcomes = _USED[s.process]
    process = _PROCESSES[s.process]
    title = process.title_sv if lang == "sv" else process.title_en
    pilots = sum(1 for a in s.programme_areas if a.pilot)
    rows = [
        (w("regime"), f"{s.process}: {title}"),
        (w("proposals per replication"), str(s.proposals)),
        (w("replications"), str(replications)),
        (w("first proposal"), s.start.isoformat()),
        (w("proposals arrive over"), f"{s.submission_days} {w('days')}"),
    ]
    if "mapping_completed" in fields:
        done = s.mapping_completed.isoformat() if s.mapping_completed else w("never")
        rows.append((w("overall mapping completed"), done))
    rows += [
        (w("advisory-only share"), _share(s.advisory_only_share, lang)),
        (w("advisory mission beside care"), _share(s.advisory_with_care_share, lang)),
        (w("follow-up years per permit"), str(s.follow_up_years)),
        (
            w("programme areas"),
            f"{len(s.programme_areas)} ({w('of them pilots')} {pilots})",
        ),
    ]
    for name, (en, sv) in _DURATIONS.items():
        if name in durations:
            rows.append((sv if lang == "sv" else en, _days(getattr(s.durations, name), lang)))
    for name, (en, sv) in _OUTCOMES.items():
        if name not in outcomes:
            continue
        value = getattr(s.outcomes, name)
        if isinstance(value, dict):
            text = f"{w('weights')}: {_weights(value, lang)}"
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = _share(value, lang)
        rows.append((sv if lang == "sv" else en, text))
    return rows


def made_with(lang: Lang, at: datetime | None = None) -> str:
    """ "Made <UTC time> with nhvflow <version>." in ``lang`` (``at``: now by default)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"{word('Made', lang)} {stamp} {word('with nhvflow', lang)} {nhvflow.__version__}."
