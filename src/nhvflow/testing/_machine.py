"""A hypothesis state machine over a real registry: :class:`ProcessStateMachine`
(public through :mod:`nhvflow.testing`)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import attrs
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import nhvflow
from nhvflow._quiet import one_writer, quiet_logger
from nhvflow.engine import Registry
from nhvflow.engine._feed import every_event
from nhvflow.errors import NhvflowError
from nhvflow.model import Actor, Case, Event, Role, same_area
from nhvflow.rules import Step
from nhvflow.states import Process
from nhvflow.testing import _submissions as regime_submissions
from nhvflow.testing._checks import (
    MAPPING_EVENT,
    InvariantViolated,
    Snapshot,
    check_actor,
    check_decision,
    snapshot,
    what_changed,
)
from nhvflow.testing._laws import check_regime_law
from nhvflow.testing._outcome import StepOutcome
from nhvflow.testing._steps import Intent, StepDraw, steps
from nhvflow.testing._values import PROGRAMME_AREAS, actors, proposals

__all__ = ["InvariantViolated", "ProcessStateMachine", "StepOutcome"]


@st.composite
def _delays(draw: st.DrawFn) -> timedelta:
    """Mostly hours, sometimes days, now and then a year."""
    roll = draw(st.integers(0, 9))
    if roll < 7:
        return timedelta(hours=draw(st.integers(0, 48)))
    if roll < 9:
        return timedelta(days=draw(st.integers(1, 30)))
    return timedelta(days=draw(st.integers(30, 400)))


_PROPOSALS = st.sampled_from((True, True, False)).flatmap(lambda pilot: proposals(pilot=pilot))
"""Proposals, two in three of them pilots (which the mapping pause lets through)."""


def _crash(step: str, exc: Exception) -> InvariantViolated:
    return InvariantViolated(
        "refusals-are-nhvflow-errors",
        f"{step} raised {type(exc).__name__}: {exc} (a refusal must be an NhvflowError that "
        "says what is wrong)",
    )


def _rarely(data: st.DataObject, one_in: int, label: str) -> bool:
    """True one time in ``one_in``; never for the simplest draw (0), so that
    examples shrink towards the common case."""
    return data.draw(st.integers(0, one_in - 1), label=label) == one_in // 2


_ACTIONS = ("fire",) * 17 + ("submit", "submit", "complete_mapping")
_REGIME_ACTIONS = ("fire",) * 17 + ("submit", "submit")
"""The other regimes know no overall mapping (a fact of ``nhv``)."""


class ProcessStateMachine(RuleBasedStateMachine):
    """Random step sequences through a real :class:`~nhvflow.Registry`,
    checking the process's invariants after every step.

    Each run opens a registry on an SQLite file in a temporary directory,
    submits proposals (:func:`~nhvflow.testing.proposals`), records the
    overall mapping now and then, and fires steps drawn by
    :func:`~nhvflow.testing.steps` (mostly lawful, some borderline, some
    certainly wrong, a few junk) by their actors at business times that
    only move forward (and now and then one dated too early, which must be
    refused). After every step it checks:

    - ``refused-step-writes-nothing``: a refused step changed neither the
      log nor any projection;
    - ``accepted-step-writes-one-event``: an accepted step added exactly one
      event, to its case, with the next version (recording the mapping a
      second time writes nothing);
    - ``wrong-step-refused``: a step drawn as certainly wrong was refused;
    - ``responsible-party``: the event's actor was the party responsible
      for the step in the process table (``transitions[trigger].responsible``);
    - ``advisory-needs-care-measures``: no case was decided without
      concentrated care measures, whatever its advisory flags, and every
      permit carries the decided care measures;
    - ``units-within-five``, ``permits-within-units``,
      ``permits-to-applicants``: 1 to 5 units decided; valid permits of a
      case at most the units decided; permits only to regions that applied,
      one valid permit per region;
    - every :attr:`verify_every` accepted steps, and when the run ends,
      ``log-verifies`` and ``replay-equals-projections``:
      ``reg.verify(projections=True)`` is ok (each projection equals a
      replay of its events) and every event in the log was fired by the
      responsible role; when the run ends, rebuilding the projections also
      gives the same rows (not midway: a rebuild would reset the state a
      run is probing).

    - ``refusals-are-nhvflow-errors``: a step either succeeds or raises an
      :class:`~nhvflow.NhvflowError`; anything else (a ``KeyError`` in a
      rule, say) is a crash.

    A broken invariant raises :class:`InvariantViolated` naming it.

    Run it with ``TestProcess = ProcessStateMachine.TestCase`` (pytest
    collects it) or ``hypothesis.stateful.run_state_machine_as_test``.
    Extend it in a subclass:

    - add ``@invariant()`` methods, which read ``self.reg`` (the registry),
      ``self.case_ids`` and ``self.now`` (the latest business time accepted);
    - override :meth:`check_step` to judge each step with its outcome;
    - set :attr:`processes` to run against other process definitions (e.g.
      ``nhvflow.testing.replace_rule(NHV, my_rule)``), or override
      :meth:`open_registry`.

    The machine drives the regime named by :attr:`regime`: ``"nhv"`` (the
    law in force) by default, or ``"kc-proposal"``,
    ``"no-competence-service"`` or ``"ern-membership"`` (each, or a process
    of that name given in :attr:`processes`). Under another regime it
    submits that regime's cases by the party that creates them (and now and
    then by one certain to be refused), records no mapping, checks the
    generic invariants above (the nhv decision ones only hold for ``"nhv"``)
    and the regime's own law, three invariants each taken from its rules
    (kc: ``centres-within-basis``, ``financing-form``,
    ``state-grant-one-year``; Norway: ``support-before-application``,
    ``approval-criteria-met``, ``wind-down-when-goals-met``; ERN:
    ``member-meets-criteria``, ``member-has-favourable-opinion``,
    ``no-patient-data``; see "Other regimes" in ``docs/testing.md``).

    .. versionadded:: 0.1
    """

    regime: ClassVar[str] = "nhv"
    """The process the machine submits its cases under: ``"nhv"``,
    ``"kc-proposal"``, ``"no-competence-service"`` or ``"ern-membership"``
    (the built-in one, or the process of that name in :attr:`processes`)."""
    processes: ClassVar[tuple[Process, ...]] = ()
    """Process definitions for :func:`nhvflow.open` (one named ``"nhv"``
    replaces the law in force)."""
    max_cases: ClassVar[int] = 3
    """How many proposals a run submits at most."""
    verify_every: ClassVar[int] = 10
    """Verify the log and replay it after this many accepted steps."""
    start: ClassVar[datetime] = datetime(2019, 1, 7, 9, 0, tzinfo=UTC)
    """The business time of the first step."""
    log_steps: ClassVar[bool] = False
    """Log every step to the standard logger ``"nhvflow"`` as a service
    would; by default the run's registry drops the per-step
    ``debug`` and ``info`` lines (warnings still pass)."""

    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory(prefix="nhvflow-testing-")
        self.now = self.start
        self.case_ids: list[str] = []
        self._serial = 0
        self._unverified = 0
        self._clean = True
        try:
            self.reg = self.open_registry(Path(self._dir.name) / "log.sqlite")
        except BaseException:
            self._dir.cleanup()
            raise

    def open_registry(self, path: Path) -> Registry:
        """The registry a run uses, on ``path`` (in a fresh temporary
        directory). Override to open it differently."""
        with one_writer():  # a file of the run's own
            return nhvflow.open(
                path,
                processes=self.processes,
                durability="normal",
                clock=lambda: self.now,
                logger=None if self.log_steps else quiet_logger(),
            )

    def submissions(self) -> st.SearchStrategy[tuple[Actor, dict[str, Any]]]:
        """Lawful submissions under :attr:`regime` (other than ``"nhv"``): the
        party that creates a case and the keyword arguments of
        :meth:`~nhvflow.Registry.submit`. Override for a process of your own."""
        return regime_submissions.submissions(self.regime)

    def wrong_submitters(self, kw: dict[str, Any]) -> st.SearchStrategy[Actor]:
        """Parties certain to be refused when they submit ``kw`` under
        :attr:`regime` (other than ``"nhv"``). Override for a process of your own."""
        return regime_submissions.wrong_submitters(self.regime, kw)

    def check_step(self, outcome: StepOutcome) -> None:
        """Called after every step, accepted or refused, once the built-in
        checks passed. Override to add your own (``self.reg`` is the registry)."""

    # -- the rules hypothesis runs ----------------------------------------------------

    @initialize(proposal=_PROPOSALS, data=st.data())
    def first_proposal(self, proposal: dict[str, Any], data: st.DataObject) -> None:
        """Every run starts with one proposal, by the NPO of its area (under
        another regime: one case, by the party that creates it)."""
        self._clean = False
        if self.regime == "nhv":
            self.submit(Actor.npo(proposal["programme_area"]), proposal, self.now)
        else:
            actor, kw = data.draw(self.submissions(), label="submission")
            self.submit(actor, kw, self.now)
        self._clean = True

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        """One step: fire a drawn step on a case (mostly), submit a proposal,
        or record the overall mapping."""
        self._clean = False
        nhv = self.regime == "nhv"
        action = data.draw(st.sampled_from(_ACTIONS if nhv else _REGIME_ACTIONS), label="action")
        room = len(self.case_ids) < self.max_cases
        if room and not self._live_cases():
            action = "submit"
        if action == "submit" and room and not nhv:
            at = self.now + data.draw(_delays(), label="after")
            actor, kw = data.draw(self.submissions(), label="submission")
            by = data.draw(st.sampled_from(("lawful",) * 9 + ("wrong",)), label="by")
            if by == "wrong":
                actor = data.draw(self.wrong_submitters(kw), label="actor")
            self.submit(actor, kw, at, intent="lawful" if by == "lawful" else "wrong")
        elif action == "submit" and room:
            at = self.now + data.draw(_delays(), label="after")
            proposal = data.draw(_PROPOSALS, label="proposal")
            area = proposal["programme_area"]
            by = data.draw(st.sampled_from(("npo",) * 9 + ("other",)), label="by")
            if by == "npo":
                actor = Actor.npo(area)
            else:  # another role, or the NPO of another area
                elsewhere = [a for a in PROGRAMME_AREAS if not same_area(a, area)]
                others = st.one_of(
                    actors([r for r in Role if r is not Role.NPO]),
                    st.sampled_from(elsewhere).map(Actor.npo),
                )
                actor = data.draw(others, label="actor")
            self.submit(actor, proposal, at, intent="lawful" if by == "npo" else "wrong")
        elif action == "complete_mapping":
            at = self.now + data.draw(_delays(), label="after")
            roles = st.sampled_from((Role.SOCIALSTYRELSEN,) * 9 + (Role.BOARD,))
            actor = data.draw(roles.flatmap(actors), label="actor")
            self.complete_mapping(actor, at)
        elif self.case_ids:
            self._fire_drawn(data)
        self._clean = True

    def _live_cases(self) -> list[str]:
        return [c.id for c in self.reg.cases() if c.id in self.case_ids and not self._final(c)]

    def _fire_drawn(self, data: st.DataObject) -> None:
        cases = {c.id: c for c in self.reg.cases() if c.id in self.case_ids}
        live = [i for i in self.case_ids if not self._final(cases[i])]
        anywhere = _rarely(data, 10, "any case")
        pick = self.case_ids if anywhere or not live else live
        case = cases[data.draw(st.sampled_from(pick), label="case")]
        early = case.updated_at is not None and _rarely(data, 30, "dated too early")
        if early and case.updated_at is not None:
            at = case.updated_at - timedelta(hours=data.draw(st.integers(1, 72), label="hours"))
        else:
            at = self.now + data.draw(_delays(), label="after")
        process = self.reg.process(case.process)
        draw = data.draw(steps(case, at=at, process=process), label="step")
        if early:
            draw = attrs.evolve(draw, intent="wrong")
        self.fire(case, draw, at)

    def _final(self, case: Case) -> bool:
        return self.reg.process(case.process).is_final(case.state)

    # -- the actions, each checked ----------------------------------------------------

    def submit(
        self, actor: Actor, proposal: dict[str, Any], at: datetime, *, intent: Intent = "lawful"
    ) -> StepOutcome:
        """Submit ``proposal`` as ``actor`` at ``at``, and check the outcome."""
        self._serial += 1
        case_id = f"c{self._serial}"
        before = snapshot(self.reg, case_id)
        error: NhvflowError | None = None
        after: Case | None = None
        try:
            after = self.reg.submit(actor, process=self.regime, case_id=case_id, at=at, **proposal)
        except NhvflowError as exc:
            error = exc
        except Exception as exc:
            raise _crash("submit", exc) from exc
        outcome = StepOutcome(
            "submit", case_id, "submit", actor, proposal, at, intent, None, after, error
        )
        keys = ("programme_area", "advisory", "pilot", "network", "self_assessment")
        shown = ", ".join(f"{k}={proposal[k]!r}" for k in keys if k in proposal)
        care = len(proposal.get("care_measures", ()))
        process = "" if self.regime == "nhv" else f", process={self.regime!r}"
        text = f"submit({actor.describe()}{process}, case_id={case_id!r}, {shown}, ...)"
        self._report(outcome, f"{text}  # {care} care measures")
        if error is None:
            self.case_ids.append(case_id)
        self._judge(outcome, before)
        return outcome

    def complete_mapping(
        self, actor: Actor, at: datetime, *, intent: Intent | None = None
    ) -> StepOutcome:
        """Record the overall mapping as ``actor`` at ``at``, and check the outcome.

        ``intent`` labels the step as :meth:`submit`'s does; by default it is
        ``"lawful"`` for Socialstyrelsen and ``"wrong"`` for anyone else."""
        before = snapshot(self.reg, None)
        error: NhvflowError | None = None
        try:
            self.reg.complete_mapping(actor, at=at)
        except NhvflowError as exc:
            error = exc
        except Exception as exc:
            raise _crash("complete_mapping", exc) from exc
        if intent is None:
            intent = "lawful" if actor.role is Role.SOCIALSTYRELSEN else "wrong"
        outcome = StepOutcome(
            "complete_mapping", None, "complete_mapping", actor, {}, at, intent, None, None, error
        )
        self._report(outcome, f"complete_mapping({actor.describe()})")
        self._judge(outcome, before)
        return outcome

    def fire(self, case: Case, draw: StepDraw, at: datetime) -> StepOutcome:
        """Fire ``draw`` on ``case`` at ``at``, and check the outcome."""
        before = snapshot(self.reg, case.id)
        error: NhvflowError | None = None
        after: Case | None = None
        try:
            after = draw.fire(self.reg, case.id, at=at)
        except NhvflowError as exc:
            error = exc
        except Exception as exc:
            raise _crash(draw.describe(case.id), exc) from exc
        outcome = StepOutcome(
            "fire", case.id, draw.trigger, draw.actor, draw.payload, at, draw.intent,
            before.cases[case.id][0], after, error,
        )  # fmt: skip
        self._report(outcome, draw.describe(case.id))
        self._judge(outcome, before)
        return outcome

    def _report(self, outcome: StepOutcome, text: str) -> None:
        error = outcome.error
        verdict = "accepted" if error is None else f"refused: {type(error).__name__}"
        note(f"{outcome.at.isoformat()} {text} -> {verdict}")

    # -- the checks -------------------------------------------------------------------

    def _judge(self, outcome: StepOutcome, before: Snapshot) -> None:
        after = snapshot(self.reg, outcome.case_id)
        if outcome.accepted:
            if outcome.intent == "wrong":
                raise InvariantViolated(
                    "wrong-step-refused",
                    f"{outcome.trigger!r} by {outcome.actor.describe()} was drawn as certainly "
                    f"wrong (payload {outcome.payload!r}) but was accepted",
                )
            self._accepted(outcome, before, after)
            if outcome.at > self.now:
                self.now = outcome.at
        elif after != before:
            raise InvariantViolated(
                "refused-step-writes-nothing",
                f"{outcome.trigger!r} was refused ({outcome.error!r}) but changed the "
                f"{what_changed(before, after)}",
            )
        self.check_step(outcome)

    def _accepted(self, outcome: StepOutcome, before: Snapshot, after: Snapshot) -> None:
        new = after.events[len(before.events) :]
        if outcome.action == "complete_mapping" and before.mapping is not None:
            if after != before:
                raise InvariantViolated(
                    "accepted-step-writes-one-event",
                    "recording the mapping a second time changed the "
                    + what_changed(before, after),
                )
            return
        kept = after.events[: len(before.events)] == before.events
        if not kept or len(new) != 1 or after.count != before.count + 1:
            raise InvariantViolated(
                "accepted-step-writes-one-event",
                f"{outcome.trigger!r} was accepted and the log went from {before.count} to "
                f"{after.count} events, {len(new)} of them in its stream (earlier events "
                f"{'kept' if kept else 'changed'})",
            )
        event = new[0]
        if outcome.action == "complete_mapping":
            if event.type != MAPPING_EVENT or event.actor.role is not Role.SOCIALSTYRELSEN:
                raise InvariantViolated(
                    "responsible-party",
                    f"the mapping was recorded as {event.type!r} by {event.actor.describe()}",
                )
            return
        self._accepted_case_step(outcome, before, after, event)

    def _accepted_case_step(
        self, outcome: StepOutcome, before: Snapshot, after: Snapshot, event: Event
    ) -> None:
        case_id = outcome.case_id
        assert case_id is not None
        version = outcome.before.version + 1 if outcome.before is not None else 1
        live = after.cases.get(case_id)
        if (
            event.stream_id != case_id
            or event.version != version
            or live is None
            or live[0].version != version
            or outcome.after != live[0]
        ):
            raise InvariantViolated(
                "accepted-step-writes-one-event",
                f"{outcome.trigger!r} on {case_id} wrote event {event.stream_id}/v{event.version} "
                f"(expected {case_id}/v{version}); the case is now "
                f"{live[0].version if live else None} and fire returned "
                f"{outcome.after.version if outcome.after else None}",
            )
        others = {k: v for k, v in after.cases.items() if k != case_id}
        if others != {k: v for k, v in before.cases.items() if k != case_id}:
            raise InvariantViolated(
                "accepted-step-writes-one-event", f"a step on {case_id} changed other cases"
            )
        process = self.reg.process(live[0].process)
        transition = process.by_event.get(event.type)
        if transition is None or transition.trigger != outcome.trigger:
            raise InvariantViolated(
                "accepted-step-writes-one-event",
                f"{outcome.trigger!r} recorded {event.type!r}, the event of "
                f"{transition.trigger if transition else 'no step'!r}",
            )
        step = Step(
            outcome.before, process.name, transition.trigger, event.actor,
            SimpleNamespace(**outcome.payload), outcome.at, self.reg, transition.responsible,
        )  # fmt: skip
        refusal = transition.responsible.allows(step)
        if refusal is not None or event.actor != outcome.actor:
            raise InvariantViolated(
                "responsible-party",
                f"{event.type} on {case_id} was recorded for {event.actor.describe()}: "
                f"{refusal.en if refusal else 'not the actor who fired it'}",
            )

    @invariant()
    def decisions_keep_the_law(self) -> None:
        """Under ``nhv``: decisions only with care measures (never advice alone); 1 to 5
        units; valid permits within the units decided, only to applicants,
        one per region."""
        self._clean = False
        for case in self.reg.cases():
            if case.process == "nhv":
                check_decision(case)
        self._clean = True

    @invariant()
    def regimes_keep_their_law(self) -> None:
        """Cases of the other built-in regimes keep their own law (see the
        class docstring)."""
        self._clean = False
        for case in self.reg.cases():
            check_regime_law(case)
        self._clean = True

    @invariant()
    def log_replays(self) -> None:
        """Every :attr:`verify_every` accepted steps: the log verifies and replays."""
        self._clean = False
        events = self.reg.store.count_events()
        if events - self._unverified >= self.verify_every:
            self._unverified = events
            self.verify_log(rebuild=False)
        self._clean = True

    def verify_log(self, *, rebuild: bool = True) -> None:
        """The log verifies (hash chain and projections against a replay),
        every event was fired by the responsible role, and (``rebuild``)
        rebuilding the projections gives the same rows."""
        report = self.reg.verify(projections=True)
        if not report.ok:
            raise InvariantViolated("log-verifies", str(report))
        for event in every_event(self.reg):
            check_actor(self.reg, event)
        if rebuild:
            live = snapshot(self.reg)
            self.reg.rebuild_projections()
            rebuilt = snapshot(self.reg)
            if rebuilt != live:
                raise InvariantViolated(
                    "replay-equals-projections",
                    "rebuilding the projections from the log changed the "
                    + what_changed(live, rebuilt),
                )

    def teardown(self) -> None:
        """Verify the whole log once more (unless a check already failed),
        then close the registry and remove its directory."""
        try:
            if self._clean:
                self.verify_log()
        finally:
            self.reg.close()
            self._dir.cleanup()
