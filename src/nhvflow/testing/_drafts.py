"""Drafts of the steps of a case: for each trigger of the ``nhv`` process, a
lawful draft (the rules allow it as far as the case shows) and a borderline
one (at or past a rule's limit), each an actor and a payload.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

import attrs
from hypothesis import strategies as st

from nhvflow.model import Actor, Case, PermitGrant, Region, Role
from nhvflow.states import Process, Transition
from nhvflow.testing._values import (
    PROGRAMME_AREAS,
    actors,
    care_measures,
    expert_groups,
    texts,
)

__all__ = ["Context", "Draft", "borderline", "fields", "generic", "lawful"]

Draft = st.SearchStrategy[tuple[Actor, dict[str, Any]]]
"""An actor and a payload for one trigger."""
_UNITS = ("Universitetssjukhuset", "Centralsjukhuset", "Länssjukhuset", "Barnsjukhuset")
_RECIPIENTS = ("Sveriges Kommuner och Regioner", "Region Skåne", "Region Stockholm",
               "Västra Götalandsregionen", "Patientföreningen", "Läkarförbundet")  # fmt: skip
_BAD_DECISIONS = ("units", "advisory", "units", "advisory")
"""How a borderline decision goes wrong (the two central rules twice as often)."""
_CONDITIONS = (
    "Tillståndshavaren ska erbjuda regionerna utbildning inom området.",
    "Tillståndshavaren ska ge rådgivning till remitterande vårdgivare inom två veckor.",
)
"""Knowledge-spreading conditions (a grant's ``special_conditions``)."""
_REWORDED_DUTY = "Tillståndshavaren ska sprida kunskap när det passar verksamheten."
"""A general knowledge duty the board wrote itself (refused: the regulation sets it)."""
_OTHER_CONDITIONS = ("Enheten ska utföra minst 50 ingrepp per år.",)
"""A special condition of another kind (``other_conditions``): lawful without a need."""


def fields(transition: Transition) -> list[str]:
    """The payload fields of a transition's event."""
    return [f.name for f in attrs.fields(cast(Any, transition.event))]


@attrs.frozen
class Context:
    """What a draft may look at: the case, its process and the business time."""

    case: Case
    process: Process
    at: datetime | None

    @property
    def data(self) -> dict[str, Any]:
        return self.case.data

    @property
    def area(self) -> str:
        return str(self.data.get("programme_area") or PROGRAMME_AREAS[0])

    @property
    def day(self) -> date | None:
        return self.at.date() if self.at is not None else None

    @property
    def last_year(self) -> int:
        """The latest year a step at ``at`` (or after the case's last step) may name."""
        moment = self.at or self.case.updated_at
        return moment.year if moment is not None else 2019

    def applicants(self) -> list[Region]:
        """The regions that applied in the current round of applications."""
        current = self.data.get("application_round", 0)
        return [
            Region[a["region"]]
            for a in self.data.get("applicants", [])
            if a.get("round", 0) == current
        ]

    def open_applicants(self) -> list[Region]:
        """The current round's applicants that hold no valid permit."""
        holders = set(self.holders())
        return [r for r in self.applicants() if r not in holders]

    def holders(self) -> list[Region]:
        return [Region[p["region"]] for p in self.data.get("permits", []) if p["valid"]]

    def units(self) -> int:
        return int(self.data.get("units") or 0)

    def in_window(self) -> bool:
        window = self.data.get("application_window")
        decision = self.data.get("decision") or {}
        due = window["due"] if window else decision.get("applications_due")
        opened = str(window["opens"] if window else decision.get("decided_at", ""))[:10]
        day = self.day
        if day is None:
            return True
        return not (due and day > date.fromisoformat(due)) and not (
            opened and day.isoformat() < opened
        )


def _kw(required: dict[str, Any], optional: dict[str, Any] | None = None) -> Any:
    """A payload: the ``required`` fields always, each ``optional`` one sometimes."""
    return st.fixed_dictionaries(required, optional=optional or {})


def _by(actor: st.SearchStrategy[Actor], payload: Any) -> Draft:
    return st.tuples(actor, payload)


def _sos() -> st.SearchStrategy[Actor]:
    return actors(Role.SOCIALSTYRELSEN)


def _npo(ctx: Context) -> st.SearchStrategy[Actor]:
    return actors(Role.NPO, programme_area=ctx.area)


def _reason() -> Any:
    return _kw({"reason": texts()})


def _window_dates(ctx: Context, late: bool) -> st.SearchStrategy[date]:
    day = ctx.day
    if day is None:
        return st.nothing()
    if late:
        return st.dates(max_value=day - timedelta(days=1), min_value=day - timedelta(days=400))
    return st.dates(min_value=day, max_value=day + timedelta(days=365))


def _default_care(ctx: Context) -> list[str]:
    basis = ctx.data.get("basis")
    return list(basis["care_measures"] if basis else ctx.data.get("care_measures") or [])


def _care_list(ctx: Context, min_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(care_measures(ctx.area), min_size=min_size, max_size=3, unique=True)


@st.composite
def _decision(draw: st.DrawFn, ctx: Context, bad: str | None) -> dict[str, Any]:
    mission = draw(st.booleans()) if bad != "advisory" else True
    # just past either limit: 6 (the cap plus one) half the time, else 0 or 7
    units = draw(st.sampled_from((6, 6, 0, 7))) if bad == "units" else draw(st.integers(1, 5))
    out: dict[str, Any] = {"units": units}
    if mission or draw(st.booleans()):
        out["advisory_mission"] = mission
    if bad == "advisory":
        out["care_measures"] = []
    elif not _default_care(ctx):  # care the basis never found: refused (a borderline draft)
        out["care_measures"] = draw(_care_list(ctx, 1))
    elif draw(st.booleans()):
        out["care_measures"] = draw(st.one_of(st.none(), _care_list(ctx, 1)))
    if bad == "due":
        out["applications_due"] = draw(_window_dates(ctx, late=True))
    elif ctx.day is not None and draw(st.booleans()):
        out["applications_due"] = draw(st.one_of(st.none(), _window_dates(ctx, late=False)))
    return out


def _region_actor(region: Region) -> Actor:
    return Actor.region(region)


@st.composite
def _application(draw: st.DrawFn, candidates: list[Region]) -> tuple[Actor, dict[str, Any]]:
    region = draw(st.sampled_from(candidates))
    unit = f"{draw(st.sampled_from(_UNITS))}, {region.swedish_name}"
    return Actor.region(region), {"unit": unit}


@st.composite
def _grant(draw: st.DrawFn, ctx: Context, bad: str | None) -> tuple[Actor, dict[str, Any]]:
    holders = set(ctx.holders())
    candidates = [r for r in ctx.applicants() if r not in holders]
    room = ctx.units() - len(holders)
    need = bool(ctx.data.get("knowledge_spreading_need"))
    if bad == "too_many":
        outsiders = [r for r in Region if r not in candidates]
        pool = candidates + draw(st.permutations(outsiders))
        chosen = pool[: max(room, 0) + 1]
    elif bad == "not_applied" and len(ctx.applicants()) < len(Region):
        outsiders = [r for r in Region if r not in ctx.applicants()]
        chosen = [draw(st.sampled_from(outsiders))]
    elif bad in ("twice", "not_applied"):
        region = draw(st.sampled_from(candidates or list(Region)))
        chosen = [region, region]
    elif min(room, len(candidates)) >= 1:
        top = min(room, len(candidates))
        chosen = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=top, unique=True))
    else:  # special conditions without a need, where no lawful grant is left
        chosen = [draw(st.sampled_from(candidates or ctx.applicants() or list(Region)))]
    grants = []
    for region in chosen:
        conditions: list[str] = []
        if bad == "conditions" or (need and draw(st.booleans())):
            conditions = draw(st.lists(st.sampled_from(_CONDITIONS), min_size=1, max_size=2))
        others = draw(st.lists(st.sampled_from(_OTHER_CONDITIONS), max_size=1))
        grants.append(PermitGrant(region, conditions, other_conditions=others))
    payload: dict[str, Any] = {"permits": grants}
    if bad == "duty":  # the board cannot reword the duty the regulation sets
        payload["general_duty"] = _REWORDED_DUTY
    return draw(actors(Role.BOARD)), payload


@st.composite
def _follow_up(draw: st.DrawFn, ctx: Context, bad: bool) -> tuple[Actor, dict[str, Any]]:
    done = {(f["region"], f["year"]) for f in ctx.data.get("follow_ups", [])}
    first: dict[Region, int] = {}
    for p in ctx.data.get("permits", []):
        if p["valid"]:
            region, year = Region[p["region"]], int(p["granted_at"][:4])
            first[region] = min(year, first.get(region, year))
    options = [
        (region, year)
        for region, start in first.items()
        for year in range(start, ctx.last_year + 1)
        if (region.name, year) not in done
    ]
    if bad:
        region = draw(st.sampled_from(sorted(first, key=lambda r: r.name)))
        late, early = ctx.last_year + draw(st.integers(1, 3)), first[region] - 1
        reported = [y for (name, y) in done if name == region.name]
        year = draw(st.sampled_from([late, early, *reported]))
    else:
        region, year = draw(st.sampled_from(options))
    payload = {"year": year, **draw(_kw({}, {"report": texts()}))}
    return Actor.region(region), payload


@st.composite
def _revocation(draw: st.DrawFn, ctx: Context, bad: bool) -> tuple[Actor, dict[str, Any]]:
    holders = ctx.holders()
    asked = {r["region"] for r in ctx.data.get("revocation_requests", [])}
    late = bool(bad and holders and ctx.day is not None) and draw(st.booleans())
    if bad and not late:
        unasked = [r for r in holders if r.name not in asked]
        by_request = draw(st.booleans())
        if unasked and by_request:
            region, ground = draw(st.sampled_from(unasked)), "holder_request"
        else:
            region = draw(st.sampled_from([r for r in Region if r not in holders]))
            ground = draw(st.sampled_from(("conditions_not_met", "circumstances_changed")))
    else:
        region = draw(st.sampled_from(holders))
        grounds = ["conditions_not_met", "circumstances_changed"]
        grounds += ["holder_request"] if region.name in asked else []
        ground = draw(st.sampled_from(grounds))
    payload = {"region": region, "ground": ground, "reason": draw(texts())}
    if late:  # a lawful revocation, but the period it opens for the freed place is over
        payload["applications_due"] = draw(_window_dates(ctx, late=True))
    return draw(actors(Role.BOARD)), payload


def lawful(trigger: str, ctx: Context) -> Draft | None:
    """A lawful draft of ``trigger`` for the case, or ``None`` when the case allows none."""
    sos = _sos()
    if trigger == "appoint_expert_group":
        return _by(sos, _kw({"experts": expert_groups(valid=True)}))
    if trigger == "deliver_basis":
        found = _default_care(ctx)  # the proposal's; a basis may find other care, or none
        care = (
            st.one_of(st.just(found), _care_list(ctx, 0))
            if found
            else st.one_of(_care_list(ctx, 1), st.just([]))  # some first: none ends the case
        )
        payload = _kw(  # care_measures always named: left out, it says the basis found none
            {"recommends_nhv": st.booleans(), "care_measures": care},
            {"units": st.one_of(st.none(), st.integers(1, 5)),
             "knowledge_spreading_need": st.booleans(), "acute_care_impact": texts()},
        )  # fmt: skip
        return _by(st.just(Actor.expert_group(ctx.case.id)), payload)
    if trigger == "open_consultation":
        recipients = st.lists(st.sampled_from(_RECIPIENTS), max_size=3, unique=True)
        return _by(sos, _kw({}, {"recipients": recipients}))
    if trigger == "close_consultation":
        need = st.one_of(st.none(), st.booleans())
        return _by(sos, _kw({}, {"knowledge_spreading_need": need}))
    if trigger == "decide":  # on the basis: none when it found no care to concentrate
        return _by(sos, _decision(ctx, None)) if _default_care(ctx) else None
    if trigger in ("reject", "close_not_eligible", "withdraw", "refer_back"):
        if trigger == "close_not_eligible":
            closure = ctx.process.transitions[trigger]
            ids = [r.id for r in ctx.process.rules_from(closure.source)]
            return _by(sos, _kw({"rule": st.sampled_from(ids), "reason": texts()}))
        role = ctx.process.transitions[trigger].responsible.role
        return _by(_npo(ctx) if trigger == "withdraw" else actors(role), _reason())
    if trigger == "apply_for_permit":
        taken = set(ctx.applicants()) | set(ctx.holders())
        candidates = [r for r in Region if r not in taken]
        place = ctx.case.state != "permitted" or len(ctx.holders()) < ctx.units()
        return _application(candidates) if candidates and place and ctx.in_window() else None
    if trigger == "prepare_board":
        return _by(sos, _kw({}, {"assessment": texts()})) if ctx.open_applicants() else None
    if trigger == "grant_permits":
        granted = set(ctx.holders())
        open_ = ctx.open_applicants()
        before = ctx.case.state != "permitted" or bool(ctx.data.get("before_board"))
        return _grant(ctx, None) if open_ and before and ctx.units() > len(granted) else None
    if trigger == "report_follow_up":
        follow = _follow_up(ctx, False)
        return follow if _has_follow_up(ctx) else None
    if trigger == "evaluate":
        return _by(sos, _kw({}, {"findings": texts()}))
    if trigger == "request_revocation":
        holders = ctx.holders()
        if not holders:
            return None
        return _by(st.sampled_from(holders).map(_region_actor), _kw({}, {"reason": texts()}))
    if trigger == "revoke_permit":
        return _revocation(ctx, False) if ctx.holders() else None
    return None


def _has_follow_up(ctx: Context) -> bool:
    done = {(f["region"], f["year"]) for f in ctx.data.get("follow_ups", [])}
    return any(
        (p["region"], year) not in done
        for p in ctx.data.get("permits", [])
        if p["valid"]
        for year in range(int(p["granted_at"][:4]), ctx.last_year + 1)
    )


def borderline(trigger: str, ctx: Context) -> Draft | None:
    """A draft of ``trigger`` past one of its rules' limits, or ``None``."""
    sos = _sos()
    if trigger == "appoint_expert_group":
        return _by(sos, _kw({"experts": expert_groups(valid=False)}))
    if trigger == "decide":
        bad_decisions = _BAD_DECISIONS + (("due",) if ctx.day is not None else ())
        return _by(sos, st.sampled_from(bad_decisions).flatmap(lambda bad: _decision(ctx, bad)))
    if trigger == "apply_for_permit" and ctx.case.state == "permitted":
        holders = ctx.holders()
        if len(holders) >= ctx.units():  # every place decided is held
            return _application([r for r in Region if r not in holders])
    if trigger == "apply_for_permit" and ctx.applicants():
        return _application(ctx.applicants())
    if trigger == "prepare_board" and not ctx.open_applicants():
        return _by(sos, _kw({}))
    if trigger == "grant_permits":
        kinds = ["too_many", "not_applied", "twice", "duty"]
        kinds += [] if ctx.data.get("knowledge_spreading_need") else ["conditions"]
        if not ctx.applicants():
            kinds = ["not_applied", "too_many"]
        return st.sampled_from(kinds).flatmap(lambda bad: _grant(ctx, bad))
    if trigger == "report_follow_up" and ctx.holders():
        return _follow_up(ctx, True)
    if trigger == "revoke_permit":
        return _revocation(ctx, True)
    return None


def generic(trigger: str, ctx: Context) -> Draft | None:
    """For processes without a payload catalogue: steps that need no payload
    and whose responsible party has no scope, by that role."""
    transition = ctx.process.transitions[trigger]
    declared = attrs.fields(cast(Any, transition.event))
    if transition.responsible.scope is not None or any(
        f.default is attrs.NOTHING for f in declared
    ):
        return None
    return _by(actors(transition.responsible.role), st.just({}))
