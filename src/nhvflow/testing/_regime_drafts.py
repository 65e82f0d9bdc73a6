"""Drafts of the steps of the other built-in regimes (``"kc-proposal"``,
``"no-competence-service"``, ``"ern-membership"``): for each trigger a lawful
draft (the rules allow it as far as the case shows) and a borderline one (at
or past one of the regime's rules), and actors out of a step's scope. The
submissions that create their cases are in :mod:`nhvflow.testing._submissions`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from nhvflow.events.ern import CONSULTATION_OUTCOMES, ERN_CRITERIA
from nhvflow.model import HEALTH_ENTERPRISES, Actor, Region, Role, same_area
from nhvflow.rules.ern import AMENDED
from nhvflow.rules.kc import FINANCING_FORMS, NO_FINANCING
from nhvflow.testing._drafts import Context, Draft
from nhvflow.testing._values import (
    COUNTRIES,
    NETWORKS,
    actors,
    expert_groups,
    texts,
)

__all__ = [
    "COUNTRIES",
    "NETWORKS",
    "REGIMES",
    "UNITS",
    "borderline",
    "lawful",
    "often",
    "out_of_scope",
]

REGIMES = ("kc-proposal", "no-competence-service", "ern-membership")
"""The built-in regimes besides ``"nhv"`` that these drafts cover."""

_KC_TASKS = ("Rådgivning om diagnostik och behandling", "Utbildning", "Forskning",
             "Telefonkonsultationer")  # fmt: skip
_GOALS = ("Kompetansenettverk i alle helseregioner", "Kortere ventetid for diagnose",
          "Nasjonale retningslinjer utarbeidet")  # fmt: skip
UNITS = ("Universitetssjukhuset", "Reumatologen", "Barnkliniken")
_FUNDERS = ("Socialstyrelsen", "Regionerna", "Folkhälsomyndigheten")
_EXPERTS = ("Professor i revmatologi", "Brukerrepresentant", "Overlege", "Sykepleier")
_WIND_DOWN_REASONS = ("Oppgavene er overført til de regionale helseforetakene",
                      "Fagmiljøet er lagt ned")  # fmt: skip


def _kw(required: dict[str, Any], optional: dict[str, Any] | None = None) -> Any:
    """A payload: the ``required`` fields always, each ``optional`` one sometimes."""
    return st.fixed_dictionaries(required, optional=optional or {})


def _by(actor: st.SearchStrategy[Actor], payload: Any) -> Draft:
    return st.tuples(actor, payload)


def often(value: Any, other: st.SearchStrategy[Any], *, one_in: int = 5) -> st.SearchStrategy[Any]:
    """``value`` but one time in ``one_in`` (first, so that it shrinks there), else ``other``."""
    last = one_in - 1
    return st.integers(0, last).flatmap(lambda roll: other if roll == last else st.just(value))


# -- kc-proposal ---------------------------------------------------------------------


def _basis(ctx: Context) -> dict[str, Any]:
    basis: dict[str, Any] = ctx.data.get("basis") or {}
    return basis


def _applicants(ctx: Context) -> list[Region]:
    return [Region[a["region"]] for a in ctx.data.get("applicants", [])]


@st.composite
def _kc_application(draw: st.DrawFn, ctx: Context, bad: bool) -> tuple[Actor, dict[str, Any]]:
    applied = _applicants(ctx)
    tasks = list(_basis(ctx).get("tasks", []))
    some = st.lists(st.sampled_from(tasks), max_size=2, unique=True) if tasks else st.just([])
    chosen: list[str]
    if bad and applied and draw(st.booleans()):
        region = draw(st.sampled_from(applied))  # a second application
        chosen = draw(some)
    else:
        region = draw(st.sampled_from([r for r in Region if r not in applied] or list(Region)))
        if bad:  # a task the basis does not name
            unknown = [t for t in (*_KC_TASKS, "Ortopedisk kirurgi") if t not in tasks]
            chosen = [draw(st.sampled_from(unknown))]
        else:
            chosen = draw(some)
    payload: dict[str, Any] = {"unit": f"{draw(st.sampled_from(UNITS))}, {region.swedish_name}"}
    named = draw(st.booleans())
    if chosen or named:
        payload["tasks"] = chosen
    return Actor.region(region), payload


@st.composite
def _financing(draw: st.DrawFn, bad: str | None) -> dict[str, Any]:
    form = draw(st.sampled_from((*sorted(FINANCING_FORMS), "other")))
    if bad == "form":
        form = draw(st.sampled_from(sorted(NO_FINANCING)))
    spelt = {"state_grant": ("state_grant", "state grant", "statsbidrag", "staten"),
             "procurement": ("procurement", "upphandling"),
             "agency": ("agency", "run by an agency", "myndighet"),
             "regions": ("regions", "regionerna", "stöd från regionerna"),
             "other": ("donation", "Stiftelsen för sällsynta diagnoser"),
             }.get(form, (form,))  # fmt: skip
    out: dict[str, Any] = {"financing": draw(st.sampled_from(spelt))}
    out.update(draw(_kw({}, {"funder": st.sampled_from(_FUNDERS)})))
    if bad == "grant_years":
        out["financing"] = draw(st.sampled_from(("procurement", "agency")))
        out["grant_years"] = draw(st.integers(1, 5))
    elif bad == "authorisation":
        out["financing"] = "state_grant"
        out["grant_years"] = draw(st.integers(2, 5))
        if draw(st.booleans()):
            out["riksdag_authorisation"] = draw(st.sampled_from((False, None, "")))
    elif form == "state_grant":
        years = draw(st.sampled_from((None, 1, 1, 2, 3)))
        if years is not None:
            out["grant_years"] = years
        if years is not None and years > 1:
            out["riksdag_authorisation"] = draw(
                st.sampled_from((True, "Riksdagens beslut 2021/22:FiU10"))
            )
    return out


@st.composite
def _establishment(draw: st.DrawFn, ctx: Context, bad: str | None) -> tuple[Actor, dict[str, Any]]:
    applied = _applicants(ctx)
    fixed = int(_basis(ctx).get("centres") or 0)
    if bad == "too_many":
        outsiders = list(draw(st.permutations([r for r in Region if r not in applied])))
        chosen = (applied + outsiders)[: max(fixed, 0) + 1]
    elif bad == "not_applied":
        chosen = [draw(st.sampled_from([r for r in Region if r not in applied]))]
    elif bad == "twice" and applied:
        region = draw(st.sampled_from(applied))
        chosen = [region, region]
    else:
        top = max(1, min(fixed, len(applied)))
        chosen = draw(st.lists(st.sampled_from(applied), min_size=1, max_size=top, unique=True))
    money = bad if bad in ("form", "grant_years", "authorisation") else None
    payload = {"regions": chosen, **draw(_financing(money))}
    return draw(actors(Role.SOCIALSTYRELSEN)), payload


def _kc_lawful(trigger: str, ctx: Context) -> Draft | None:
    sos = actors(Role.SOCIALSTYRELSEN)
    if trigger == "appoint_expert_group":
        return _by(sos, _kw({"experts": expert_groups(valid=True)}))
    if trigger == "deliver_basis":
        payload = _kw(
            {"centres": st.integers(1, 3),
             "tasks": st.lists(st.sampled_from(_KC_TASKS), min_size=1, max_size=3, unique=True)},
            {"scope": texts()},
        )  # fmt: skip
        return _by(st.just(Actor.expert_group(ctx.case.id)), payload)
    if trigger == "assess_system_effects":
        group = st.lists(st.sampled_from(_FUNDERS), max_size=2, unique=True)
        return _by(sos, _kw({}, {"assessment": texts(), "preparation_group": group}))
    if trigger == "apply_to_establish":
        return _kc_application(ctx, False) if len(_applicants(ctx)) < len(Region) else None
    if trigger == "establish":
        return _establishment(ctx, None) if _applicants(ctx) else None
    if trigger == "evaluate":
        return _by(sos, _kw({}, {"findings": texts()}))
    if trigger == "close":
        return _by(sos, _kw({"reason": texts()}))
    if trigger == "withdraw":
        area = str(ctx.data.get("programme_area") or "")
        return _by(st.just(Actor.npo(area)), _kw({"reason": texts()})) if area else None
    return None


def _kc_borderline(trigger: str, ctx: Context) -> Draft | None:
    sos = actors(Role.SOCIALSTYRELSEN)
    if trigger == "appoint_expert_group":
        return _by(sos, _kw({"experts": expert_groups(valid=False)}))
    if trigger == "deliver_basis":
        bad = st.sampled_from(({"centres": 0, "tasks": list(_KC_TASKS[:1])},
                               {"centres": 2, "tasks": []}))  # fmt: skip
        return _by(st.just(Actor.expert_group(ctx.case.id)), bad)
    if trigger == "apply_to_establish":
        return _kc_application(ctx, True)
    if trigger == "establish":
        kinds = ["too_many", "form", "grant_years", "authorisation"]
        kinds += ["twice", "not_applied"] if _applicants(ctx) else []
        if not _applicants(ctx):
            kinds = ["not_applied", "too_many"]
        return st.sampled_from(kinds).flatmap(lambda bad: _establishment(ctx, bad))
    return None


# -- no-competence-service -----------------------------------------------------------


def _initiator(ctx: Context) -> str:
    return str(ctx.data.get("initiator") or HEALTH_ENTERPRISES[0])


def _unsupported(ctx: Context) -> list[str]:
    supporters = {s["enterprise"] for s in ctx.data.get("supporters", [])}
    return [e for e in HEALTH_ENTERPRISES if e != _initiator(ctx) and e not in supporters]


def _review_met(ctx: Context) -> bool:
    review = ctx.data.get("review") or {}
    return all(review.get(c) for c in ("quality_of_course", "national_competence",
                                       "cost_effectiveness"))  # fmt: skip


def _after(ctx: Context, days: int) -> date:
    moment = ctx.at or ctx.case.updated_at
    base = moment.date() if moment is not None else date(2019, 1, 1)
    return base + timedelta(days=days)


@st.composite
def _plan(draw: st.DrawFn, ctx: Context, bad: str | None) -> dict[str, Any]:
    permanent = draw(often(False, st.just(True)))
    out: dict[str, Any] = {
        "goals": draw(st.lists(st.sampled_from(_GOALS), min_size=1, max_size=2, unique=True)),
        "goals_met_when": "Nettverk i drift i alle fire helseregioner",
    }
    if permanent:
        out["permanent"] = True
    out["wind_down_estimate"] = _after(ctx, draw(st.integers(365, 10 * 365)))
    if bad == "goals":
        out["goals"] = []
    elif bad == "goals_met_when":
        out["goals_met_when"] = ""
    elif bad == "estimate":  # permanent or not, every plan estimates the wind-down
        out["wind_down_estimate"] = draw(st.sampled_from((None, _after(ctx, 0), _after(ctx, -30))))
    out.update(draw(_kw({}, {"establishment_grant_nok": st.integers(0, 3_000_000)})))
    return out


@st.composite
def _review(draw: st.DrawFn, bad: bool) -> dict[str, Any]:
    met = draw(often(True, st.just(False), one_in=4))
    criteria = ("quality_of_course", "national_competence", "cost_effectiveness")
    out: dict[str, Any] = dict.fromkeys(criteria, True)
    if not met:  # one criterion or more not found
        missed = draw(st.lists(st.sampled_from(criteria), min_size=1, max_size=3, unique=True))
        out.update(dict.fromkeys(missed, False))
    names = st.lists(st.sampled_from(_EXPERTS), min_size=1, max_size=3, unique=True)
    out["experts"] = [] if bad else draw(names)
    out.update(draw(_kw({}, {"recommendation": texts()})))
    return out


@st.composite
def _annual(draw: st.DrawFn, ctx: Context, bad: bool) -> tuple[Actor, dict[str, Any]]:
    approved = int(str(ctx.data.get("approved_at") or "2019")[:4])
    done = [r["year"] for r in ctx.data.get("annual_reports", [])]
    if bad:
        year = draw(st.sampled_from([approved - 1, ctx.last_year + 1, *done]))
    else:
        open_years = [y for y in range(approved, ctx.last_year + 1) if y not in done]
        year = draw(st.sampled_from(open_years))
    payload = {"year": year, "goals_met": draw(st.booleans())}
    payload.update(draw(_kw({}, {"report": texts()})))
    return Actor.health_enterprise(_initiator(ctx)), payload


def _has_annual(ctx: Context) -> bool:
    approved = int(str(ctx.data.get("approved_at") or "2019")[:4])
    done = {r["year"] for r in ctx.data.get("annual_reports", [])}
    return any(y not in done for y in range(approved, ctx.last_year + 1))


def _goals_met(ctx: Context) -> bool:
    reports = ctx.data.get("annual_reports", [])
    return bool(reports) and bool(max(reports, key=lambda r: r["year"])["goals_met"])


def _no_lawful(trigger: str, ctx: Context) -> Draft | None:
    ministry = st.just(Actor.ministry())
    initiator = st.just(Actor.health_enterprise(_initiator(ctx)))
    if trigger == "support":
        others = _unsupported(ctx)
        if not others:
            return None
        return _by(st.sampled_from(others).map(Actor.health_enterprise),
                   _kw({}, {"statement": texts()}))  # fmt: skip
    if trigger == "apply":
        return None if _unsupported(ctx) else _by(initiator, _kw({}, {"application": texts()}))
    if trigger == "review":
        return _by(st.just(Actor.directorate()), _review(False))
    if trigger == "approve":
        return _by(ministry, _plan(ctx, None)) if _review_met(ctx) else None
    if trigger == "refuse":
        return _by(ministry, _kw({"reason": texts()}))
    if trigger == "report_annually":
        return _annual(ctx, False) if _has_annual(ctx) else None
    if trigger == "wind_down":  # due once the goals are met; else for a recorded reason
        if _goals_met(ctx):
            return _by(ministry, _kw({}, {"reason": texts()}))
        return _by(ministry, _kw({"reason": st.sampled_from(_WIND_DOWN_REASONS)}))
    return None


def _no_borderline(trigger: str, ctx: Context) -> Draft | None:
    ministry = st.just(Actor.ministry())
    supporters = [s["enterprise"] for s in ctx.data.get("supporters", [])]
    if trigger == "support" and supporters:
        return _by(st.sampled_from(supporters).map(Actor.health_enterprise), _kw({}))
    if trigger == "apply" and _unsupported(ctx):
        return _by(st.just(Actor.health_enterprise(_initiator(ctx))), _kw({}))
    if trigger == "review":
        return _by(st.just(Actor.directorate()), _review(True))
    if trigger == "approve":
        # the criteria the review did not find, else a plan that lacks a part
        kinds = ("goals", "goals_met_when", "estimate") if _review_met(ctx) else (None,)
        return _by(ministry, st.sampled_from(kinds).flatmap(lambda bad: _plan(ctx, bad)))
    if trigger == "report_annually":
        return _annual(ctx, True)
    if trigger == "wind_down" and not _goals_met(ctx):
        return _by(ministry, _kw({}, {"reason": st.just("  ")}))
    return None


# -- ern-membership ------------------------------------------------------------------


def _network(ctx: Context) -> str:
    return str(ctx.data.get("network") or NETWORKS[0])


def _admissible(ctx: Context) -> bool:
    met = set((ctx.data.get("assessment") or {}).get("met", []))
    favourable = bool((ctx.data.get("opinion") or {}).get("favourable"))
    before_opinions = ctx.day is not None and ctx.day < AMENDED
    return met >= set(ERN_CRITERIA) and (favourable or before_opinions)


@st.composite
def _reference(draw: st.DrawFn, bad: bool) -> str:
    if bad:
        return draw(st.sampled_from(("19121212-1212", "121212-1212", "Anna Berg", "CPMS 7F3K2",
                                     "ERN-ABC")))  # fmt: skip
    letters = draw(st.text("ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=2, max_size=4))
    return f"CPMS-{letters}{draw(st.integers(1, 999))}"


def _ern_lawful(trigger: str, ctx: Context) -> Draft | None:
    network = _network(ctx)
    coordinator = st.just(Actor.coordinator(network))
    board = st.just(Actor.ern_board())
    if trigger == "endorse":
        state = st.just(Actor.member_state(str(ctx.data.get("country") or COUNTRIES[0])))
        return _by(state, _kw({}, {"network": st.just(network), "statement": texts()}))
    if trigger == "check_eligibility":
        return _by(st.just(Actor.commission()), _kw({}, {"note": texts()}))
    if trigger == "give_opinion":
        return _by(coordinator, _kw({"favourable": often(True, st.just(False))},
                                    {"reasons": texts()}))  # fmt: skip
    if trigger == "assess":
        some = st.lists(st.sampled_from(ERN_CRITERIA), unique=True)
        met = often(list(ERN_CRITERIA), some)
        return _by(st.just(Actor.assessment_body()), _kw({"met": met}, {"report": texts()}))
    if trigger == "admit":
        return _by(board, _kw({}, {"note": texts()})) if _admissible(ctx) else None
    if trigger == "decline":
        return _by(board, _kw({"reason": texts()}))
    if trigger == "hold_consultation":
        payload = _kw(
            {"reference": _reference(False)},
            {"experts": st.integers(1, 12), "outcome": st.sampled_from(CONSULTATION_OUTCOMES),
             "countries": st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True)},
        )  # fmt: skip
        return _by(coordinator, payload)
    return None


def _ern_borderline(trigger: str, ctx: Context) -> Draft | None:
    network = _network(ctx)
    if trigger == "endorse":
        others = [n for n in NETWORKS if not same_area(n, network)]
        state = st.just(Actor.member_state(str(ctx.data.get("country") or COUNTRIES[0])))
        return _by(state, _kw({"network": st.sampled_from(others)}))
    if trigger == "admit" and not _admissible(ctx):
        return _by(st.just(Actor.ern_board()), _kw({}))
    if trigger == "hold_consultation":
        return _by(st.just(Actor.coordinator(network)), _kw({"reference": _reference(True)}))
    return None


# -- the catalogue -------------------------------------------------------------------

_LAWFUL: dict[str, Callable[[str, Context], Draft | None]] = {
    "kc-proposal": _kc_lawful,
    "no-competence-service": _no_lawful,
    "ern-membership": _ern_lawful,
}
_BORDERLINE: dict[str, Callable[[str, Context], Draft | None]] = {
    "kc-proposal": _kc_borderline,
    "no-competence-service": _no_borderline,
    "ern-membership": _ern_borderline,
}


def lawful(trigger: str, ctx: Context) -> Draft | None:
    """A lawful draft of ``trigger`` for a case of one of :data:`REGIMES`, or
    ``None`` when the case allows none."""
    return _LAWFUL[ctx.process.name](trigger, ctx)


def borderline(trigger: str, ctx: Context) -> Draft | None:
    """A draft of ``trigger`` past one of its regime's rules, or ``None``."""
    return _BORDERLINE[ctx.process.name](trigger, ctx)


def out_of_scope(ctx: Context, trigger: str, role: Role) -> st.SearchStrategy[Actor] | None:
    """An actor of ``role`` outside the scope the step asks of it (another
    Member State, another network's coordinator, the initiator where the
    others support, another enterprise where the initiator acts, a party
    without the country or name its role needs), or ``None`` where the role
    has no scope in these regimes."""
    if role is Role.HEALTH_ENTERPRISE:
        unknown = st.just(Actor(Role.HEALTH_ENTERPRISE, "Helse Øst"))
        if trigger == "support":
            return st.one_of(unknown, st.just(Actor.health_enterprise(_initiator(ctx))))
        others = [e for e in HEALTH_ENTERPRISES if e != _initiator(ctx)]
        return st.one_of(unknown, st.sampled_from(others).map(Actor.health_enterprise))
    if role is Role.MEMBER_STATE:
        own = str(ctx.data.get("country") or "")
        return st.sampled_from([c for c in COUNTRIES if c != own]).map(Actor.member_state)
    if role is Role.COORDINATOR:
        others = [n for n in NETWORKS if not same_area(n, _network(ctx))]
        return st.sampled_from(others).map(Actor.coordinator)
    return None
