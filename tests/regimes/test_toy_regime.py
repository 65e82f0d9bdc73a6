"""A regime defined in this file alone — its events, rules and table — runs
through the public API beside the built-in ones, with nothing in the engine
or the store knowing about it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs
import pytest

import nhvflow
from nhvflow import Actor, NotAuthorised, Region, TransitionDenied
from nhvflow.events import Fact, Meta
from nhvflow.events import fields as f
from nhvflow.model import Role
from nhvflow.rules import (
    CaseView,
    Refusal,
    Responsibility,
    Step,
    refuse,
    responsible_party_rule,
    rule,
)
from nhvflow.states import DefinitionError, Process, State, Transition

# -- the toy regime: a region asks the board to allow a street party ------------------


@attrs.frozen
class PartyRequested(Fact):
    """A region asked to hold a street party."""

    type: ClassVar[str] = "PartyRequested"

    street: str = f.text(max_len=200, allow_empty=False)
    guests: int = f.count()

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        assert meta.actor.principal is not None
        data.update(street=self.street, guests=self.guests, host=meta.actor.principal.name)


@attrs.frozen
class PartyAllowed(Fact):
    """The board allowed the party."""

    type: ClassVar[str] = "PartyAllowed"

    note: str = f.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["allowed_at"] = meta.when


@attrs.frozen
class PartyForbidden(Fact):
    """The board forbade the party."""

    type: ClassVar[str] = "PartyForbidden"

    reason: str = f.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["reason"] = self.reason


def _a_region(step: Step) -> Refusal | None:
    if step.actor.principal is not None:
        return None
    return refuse("A host region is needed.", "En värdregion behövs.", criterion="principal")


HOST = Responsibility(Role.REGION, "a region", "en region", _a_region)
BOARD = Responsibility(Role.BOARD, "the board", "nämnden")
RESPONSIBLE = responsible_party_rule(id="toy.responsible-party", citation="Toy rules § 1")


@rule(
    id="toy.max-guests",
    title_sv="Högst hundra gäster",
    title_en="At most a hundred guests",
    citation="Toy rules § 2",
    kind="practice",
    valid_from=datetime(2020, 1, 1, tzinfo=UTC).date(),
)
def max_guests(step: Step) -> Iterator[Refusal]:
    """A party is allowed for at most a hundred guests (from 2020)."""
    guests = step.data["guests"]
    if guests > 100:
        yield refuse(f"{guests} guests; at most 100.", f"{guests} gäster; högst 100.")


TOY = Process(
    name="toy-party",
    title_en="Street parties",
    title_sv="Gatufester",
    authority=RESPONSIBLE,
    states=[
        State("requested"),
        State("allowed", final=True),
        State("forbidden", final=True),
    ],
    transitions=[
        Transition("submit", (), "requested", HOST, PartyRequested),
        Transition("allow", ("requested",), "allowed", BOARD, PartyAllowed, rules=(max_guests,)),
        Transition("forbid", ("requested",), "forbidden", BOARD, PartyForbidden),
    ],
)

SKANE = Actor.region(Region.SKANE)
AT = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)


# -- the tests ------------------------------------------------------------------------


def test_a_toy_regime_runs_through_the_public_api(tmp_path):
    """Submit, judge, refuse, allow, explain, replay and verify: all generic."""
    path = tmp_path / "toy.sqlite"
    with nhvflow.open(path, processes=[TOY], process="toy-party") as reg:
        assert set(reg.processes) >= {"nhv", "kc-proposal", "toy-party"}
        big = reg.submit(SKANE, street="Stortorget", guests=500, at="2019-06-01T12:00:00+00:00")
        assert (big.process, big.state, big.data["host"]) == ("toy-party", "requested", "SKANE")
        assert reg.allowed_triggers(big.id, Actor.board()) == ["allow", "forbid"]
        with pytest.raises(NotAuthorised) as exc:
            reg.fire(big.id, "allow", SKANE, at=AT)
        assert exc.value.rules == ("toy.responsible-party",)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(big.id, "allow", Actor.board(), at=AT)
        assert exc.value.rules == ("toy.max-guests",)
        early = reg.explain(big.id, "allow", Actor.board(), at="2019-06-02T12:00:00+00:00")
        assert [o.status for o in early] == ["passed", "not in force"]
        assert reg.fire(big.id, "forbid", Actor.board(), reason="För stort", at=AT).state == (
            "forbidden"
        )
        small = reg.submit(SKANE, street="Lilla torg", guests=40, at=AT)
        assert reg.fire(small.id, "allow", Actor.board(), at=AT).state == "allowed"
        nhv = reg.submit(Actor.npo("Nervsystemets sjukdomar"), process="nhv", **_nhv())
        assert nhv.process == "nhv"
        assert [e.type for e in reg.history(small.id)] == ["PartyRequested", "PartyAllowed"]
        rows = reg.store.projection_rows()
        assert reg.rebuild_projections() == 3
        assert reg.store.projection_rows() == rows
        assert reg.verify(projections=True).ok


def test_a_log_with_toy_cases_names_the_missing_regime_when_opened_without_it(tmp_path):
    path = tmp_path / "toy.sqlite"
    with nhvflow.open(path, processes=[TOY]) as reg:
        case = reg.submit(SKANE, process="toy-party", street="Gatan", guests=3, at=AT)
    with nhvflow.open(path) as reg:
        with pytest.raises(nhvflow.LogFormatError, match="toy-party"):
            reg.fire(case.id, "allow", Actor.board(), at=AT)
        with pytest.raises(nhvflow.LogFormatError, match="PartyRequested"):
            reg.rebuild_projections()


def test_a_regime_may_not_create_cases_with_another_regimes_event():
    """Which regime a stream belongs to is read from its first event."""

    @attrs.frozen
    class Impostor(Fact):
        type: ClassVar[str] = "NeedDefined"
        title: str = f.text()

    clash = Process(
        name="clash",
        title_en="Clash",
        title_sv="Krock",
        authority=RESPONSIBLE,
        states=[State("open", final=True)],
        transitions=[Transition("submit", (), "open", HOST, Impostor)],
    )
    with pytest.raises(DefinitionError, match="kc-proposal"):
        nhvflow.open(processes=[clash])


def _nhv() -> dict[str, Any]:
    from nhvflow.fixtures import proposal

    return {**proposal(), "at": AT}


class PartyCase(CaseView):
    """The toy regime's view: what its folds write, typed."""

    @property
    def guests(self) -> int:
        guests: int = self._data["guests"]
        return guests

    @property
    def host(self) -> Region:
        return Region[self._data["host"]]


@rule(
    id="toy.host-not-gotland",
    title_sv="Gotland är värd för inga fester",
    title_en="Gotland hosts no parties",
    citation="Toy rules § 3",
    kind="practice",
)
def host_not_gotland(step: Step) -> Iterator[Refusal]:
    """A party hosted by Gotland is not allowed."""
    party = step.view(PartyCase)
    if party.host is Region.GOTLAND:
        yield refuse(f"{party.guests} guests on Gotland.", f"{party.guests} gäster på Gotland.")


def test_a_process_of_your_own_may_declare_a_view_or_none():
    """Without a view the rules read step.data; with one, step.view reads it typed."""
    assert TOY.view is None
    viewed = Process(
        name="toy-viewed",
        title_en="Street parties, viewed",
        title_sv="Gatufester, med vy",
        authority=RESPONSIBLE,
        view=PartyCase,
        states=[State("requested"), State("allowed", final=True)],
        transitions=[
            Transition("submit", (), "requested", HOST, PartyRequested),
            Transition("allow", ("requested",), "allowed", BOARD, PartyAllowed,
                       rules=(max_guests, host_not_gotland)),
        ],
    )  # fmt: skip
    assert viewed.view is PartyCase
    with nhvflow.open(processes=[viewed], process="toy-viewed") as reg:
        gotland = Actor.region(Region.GOTLAND)
        case = reg.submit(gotland, street="Strandgatan", guests=12, at=AT)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "allow", Actor.board(), at=AT)
        assert exc.value.rules == ("toy.host-not-gotland",)
        assert "12 guests on Gotland" in exc.value.violations[0].message
        case = reg.submit(SKANE, street="Stortorget", guests=12, at=AT)
        assert reg.fire(case.id, "allow", Actor.board(), at=AT).state == "allowed"
