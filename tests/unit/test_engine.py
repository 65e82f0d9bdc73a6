"""The engine through the public API: submit, fire, check, explain,
allowed_triggers, get, history, cases, complete_mapping; refused steps
write nothing; errors say what is wrong."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import attrs
import pytest

import nhvflow
from nhvflow import (
    Actor,
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidPayload,
    InvalidTrigger,
    NotAuthorised,
    Region,
    TransitionDenied,
    UnknownCase,
)
from nhvflow.fixtures import advance, expert_group, proposal


def test_one_proposal_goes_through_all_eight_steps(reg, npo, sos, clock):
    """Submission to permits, a follow-up and an evaluation, all lawful."""
    case = reg.submit(npo, at=clock(), **proposal())
    case = advance(reg, case.id, "permitted", start=clock())
    assert case.state == "permitted"
    skane = Actor.region(Region.SKANE)
    case = reg.fire(
        case.id,
        "report_follow_up",
        skane,
        year=case.updated_at.year,
        report="Årsrapport",
        at=case.updated_at + timedelta(days=200),
    )
    case = reg.fire(
        case.id, "evaluate", sos, findings="God kvalitet", at=case.updated_at + timedelta(days=10)
    )
    types = [e.type for e in reg.history(case.id)]
    assert types == [
        "ProposalSubmitted",
        "ExpertGroupAppointed",
        "BasisDelivered",
        "ConsultationOpened",
        "ConsultationClosed",
        "NhvDecided",
        "PermitApplied",
        "PermitApplied",
        "CasePreparedForBoard",
        "PermitsGranted",
        "FollowUpReported",
        "PermitsEvaluated",
    ]
    assert case.version == len(types)
    assert reg.verify(projections=True).ok


class TestRefusedStepsWriteNothing:
    def test_transition_denied(self, reg, submitted, sos, snapshot):
        before = snapshot(reg)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                submitted.id,
                "appoint_expert_group",
                sos,
                experts=expert_group(breaking="whole_country"),
            )
        assert exc.value.case_id == submitted.id
        assert exc.value.trigger == "appoint_expert_group"
        assert exc.value.state == "proposed"
        assert snapshot(reg) == before
        assert reg.get(submitted.id) == submitted

    def test_not_authorised(self, reg, submitted, snapshot):
        before = snapshot(reg)
        with pytest.raises(NotAuthorised):
            reg.fire(submitted.id, "appoint_expert_group", Actor.board(), experts=expert_group())
        assert snapshot(reg) == before

    def test_invalid_trigger_unknown(self, reg, submitted, sos, snapshot):
        before = snapshot(reg)
        with pytest.raises(InvalidTrigger) as exc:
            reg.fire(submitted.id, "to_permitted", sos)
        assert "'to_permitted' is not a step of process 'nhv'" in str(exc.value)
        assert exc.value.available == ("appoint_expert_group", "close_not_eligible", "withdraw")
        assert snapshot(reg) == before

    def test_invalid_trigger_not_available_from_the_state(self, reg, submitted, sos, snapshot):
        before = snapshot(reg)
        with pytest.raises(InvalidTrigger) as exc:
            reg.fire(submitted.id, "decide", sos, units=2)
        assert exc.value.known and exc.value.state == "proposed"
        assert "Available from 'proposed'" in str(exc.value)
        assert snapshot(reg) == before

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({}, "experts"),
            ({"experts": "Anna"}, "experts"),
            ({"experts": [{"name": "A"}]}, "experts"),
            ({"experts": [{1: "A"}]}, "experts.item 0"),
            ({"experts": [], "colour": "blue"}, "colour"),
        ],
    )
    def test_invalid_payload_names_the_field(self, reg, submitted, sos, snapshot, payload, field):
        before = snapshot(reg)
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(submitted.id, "appoint_expert_group", sos, **payload)
        assert exc.value.field == field
        assert snapshot(reg) == before

    def test_unknown_case(self, reg, sos, snapshot):
        before = snapshot(reg)
        with pytest.raises(UnknownCase) as exc:
            reg.fire("no-such-case", "decide", sos, units=2)
        assert exc.value.case_id == "no-such-case"
        assert snapshot(reg) == before


class TestBadInput:
    def test_a_naive_business_time_is_refused(self, reg, submitted, sos):
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(
                submitted.id,
                "withdraw",
                Actor.npo("Nervsystemets sjukdomar"),
                reason="x",
                at=datetime(2020, 1, 1),
            )
        assert exc.value.field == "at"
        assert "timezone-aware" in str(exc.value)

    def test_a_step_dated_before_the_previous_one_is_refused(self, reg, submitted, sos):
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(
                submitted.id,
                "appoint_expert_group",
                sos,
                experts=expert_group(),
                at=submitted.updated_at - timedelta(seconds=1),
            )
        assert exc.value.field == "at"

    def test_a_step_before_the_system_came_into_force_is_refused(self, reg, npo):
        with pytest.raises(InvalidPayload) as exc:
            reg.submit(npo, at="2017-05-01T00:00:00+00:00", **proposal())
        assert exc.value.field == "at" and "2018-07-01" in str(exc.value)

    def test_an_oversized_title_is_refused(self, reg, npo):
        with pytest.raises(InvalidPayload) as exc:
            reg.submit(npo, **{**proposal(), "title": "x" * 501})
        assert exc.value.field == "title"
        assert list(reg.cases()) == []

    def test_an_oversized_payload_is_refused(self, reg, submitted, sos, snapshot):
        big = [
            attrs.evolve(e, name=f"{i} " + "n" * 400, profession="p" * 400)
            for i, e in enumerate(expert_group() * 20)
        ]
        before = snapshot(reg)
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(submitted.id, "appoint_expert_group", sos, experts=big)
        assert exc.value.field == "payload"
        assert snapshot(reg) == before

    @pytest.mark.parametrize("value", [float("nan"), 1, None, ["a"]])
    def test_non_text_is_refused_where_text_is_asked(self, reg, npo, value):
        with pytest.raises(InvalidPayload) as exc:
            reg.submit(npo, **{**proposal(), "title": value})
        assert exc.value.field == "title"

    @pytest.mark.parametrize("value", [1, "yes", None])
    def test_a_flag_must_be_a_bool(self, reg, npo, value):
        with pytest.raises(InvalidPayload) as exc:
            reg.submit(npo, **{**proposal(), "advisory": value})
        assert exc.value.field == "advisory"

    def test_units_must_be_a_whole_number(self, reg, submitted, sos):
        case = advance(reg, submitted.id, "prepared")
        for bad in [2.0, True, "2", float("nan")]:
            with pytest.raises(InvalidPayload) as exc:
                reg.fire(case.id, "decide", sos, units=bad, at=case.updated_at)
            assert exc.value.field == "units"

    def test_the_actor_must_be_an_actor(self, reg, submitted):
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(submitted.id, "withdraw", "Socialstyrelsen", reason="x")  # type: ignore[arg-type]
        assert exc.value.field == "actor"


class TestCheckAndExplain:
    def test_check_returns_every_violation_not_only_the_first(self, reg, sos, clock):
        npo = Actor.npo("Reumatiska sjukdomar")
        case = reg.submit(npo, at=clock(), **proposal("Reumatiska sjukdomar"))
        violations = reg.check(
            case.id,
            "appoint_expert_group",
            sos,
            experts=expert_group(breaking="patient_representation"),
            at=clock(),
        )
        assert [v.rule for v in violations] == ["nhv.expert-group-composition", "nhv.mapping-pause"]

    def test_check_includes_the_responsible_party(self, reg, submitted):
        violations = reg.check(
            submitted.id, "appoint_expert_group", Actor.board(), experts=expert_group()
        )
        assert [v.rule for v in violations] == ["nhv.responsible-party"]

    def test_check_writes_nothing(self, reg, submitted, sos, snapshot):
        before = snapshot(reg)
        assert reg.check(submitted.id, "appoint_expert_group", sos, experts=expert_group()) == []
        assert snapshot(reg) == before

    def test_explain_lists_every_rule_consulted(self, reg, submitted, sos):
        case = advance(reg, submitted.id, "prepared")
        outcomes = reg.explain(case.id, "decide", sos, units=6, at=case.updated_at)
        status = {o.rule.id: o.status for o in outcomes}
        assert status == {
            "nhv.responsible-party": "passed",
            "nhv.advisory-requires-concentrated-care": "passed",
            "nhv.max-five-units": "failed",
            "nhv.application-window": "passed",
        }
        assert "failed  nhv.max-five-units" in str(outcomes[2])


class TestReading:
    def test_get_as_of_returns_the_case_as_it_stood(self, reg, submitted, sos, clock):
        t1 = clock()
        reg.fire(submitted.id, "appoint_expert_group", sos, experts=expert_group(), at=t1)
        assert reg.get(submitted.id, as_of=t1 - timedelta(seconds=1)) == submitted
        assert reg.get(submitted.id, as_of=t1).state == "expert_review"
        with pytest.raises(UnknownCase):
            reg.get(submitted.id, as_of=submitted.updated_at - timedelta(days=1))

    def test_history_is_in_order_with_aware_times(self, reg, submitted, sos, clock):
        reg.fire(submitted.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
        events = reg.history(submitted.id)
        assert [e.version for e in events] == [1, 2]
        assert events[0].position < events[1].position
        assert all(e.occurred_at.tzinfo and e.recorded_at.tzinfo for e in events)
        assert events[1].actor == sos
        assert events[1].payload["experts"][0]["region"] == "NORRBOTTEN"

    def test_cases_filter_by_state(self, reg, npo, sos, clock):
        a = reg.submit(npo, at=clock(), **proposal())
        b = reg.submit(npo, at=clock(), **proposal())
        reg.fire(b.id, "withdraw", npo, reason="Dubblett", at=clock())
        assert [c.id for c in reg.cases()] == [a.id, b.id]
        assert [c.id for c in reg.cases(state="withdrawn")] == [b.id]
        assert [c.id for c in reg.cases(state="proposed")] == [a.id]

    def test_a_case_is_a_frozen_value(self, reg, submitted):
        again = reg.get(submitted.id)
        assert again == submitted and again is not submitted
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            again.state = "permitted"  # type: ignore[misc]
        again.data["title"] = "changed"
        assert reg.get(submitted.id).data["title"] != "changed"


class TestConcurrencyAndIdempotency:
    def test_expected_version_must_match(self, reg, submitted, sos, snapshot):
        before = snapshot(reg)
        with pytest.raises(ConcurrencyConflict) as exc:
            reg.fire(
                submitted.id,
                "appoint_expert_group",
                sos,
                experts=expert_group(),
                expected_version=5,
            )
        assert (exc.value.expected, exc.value.actual) == (5, 1)
        assert snapshot(reg) == before
        case = reg.fire(
            submitted.id, "appoint_expert_group", sos, experts=expert_group(), expected_version=1
        )
        assert case.version == 2

    def test_a_repeated_request_returns_the_first_result(self, reg, submitted, sos, clock):
        at = clock()
        first = reg.fire(
            submitted.id,
            "appoint_expert_group",
            sos,
            experts=expert_group(),
            idempotency_key="req-1",
            at=at,
        )
        advance(reg, submitted.id, "prepared")
        again = reg.fire(
            submitted.id,
            "appoint_expert_group",
            sos,
            experts=expert_group(),
            idempotency_key="req-1",
            at=at,
        )
        assert again == first
        assert sum(1 for e in reg.history(submitted.id) if e.type == "ExpertGroupAppointed") == 1

    def test_the_same_key_for_another_request_is_an_error(self, reg, submitted, sos, clock):
        reg.fire(
            submitted.id,
            "appoint_expert_group",
            sos,
            experts=expert_group(),
            idempotency_key="req-1",
            at=clock(),
        )
        with pytest.raises(IdempotencyConflict) as exc:
            reg.fire(
                submitted.id,
                "deliver_basis",
                Actor.expert_group(submitted.id),
                recommends_nhv=True,
                idempotency_key="req-1",
                at=clock(),
            )
        assert exc.value.field == "idempotency_key"

    def test_a_repeated_submission_creates_one_case(self, reg, npo):
        a = reg.submit(npo, idempotency_key="sub-1", **proposal())
        b = reg.submit(npo, idempotency_key="sub-1", **proposal())
        assert a == b and len(list(reg.cases())) == 1


class TestMapping:
    def test_only_socialstyrelsen_completes_the_mapping(self, reg, npo):
        with pytest.raises(NotAuthorised) as exc:
            reg.complete_mapping(npo)
        assert exc.value.rules == ("nhv.responsible-party",)
        assert reg.mapping_completed_at() is None

    def test_completing_twice_keeps_the_first_record(self, reg, sos, clock):
        first = reg.complete_mapping(sos, at=clock())
        second = reg.complete_mapping(sos, at=clock())
        assert first == second
        assert reg.mapping_completed_at() == first.occurred_at


class TestDurability:
    def test_reopening_the_file_gives_the_same_cases(self, tmp_path, npo, clock):
        path = tmp_path / "nhv.sqlite"
        with nhvflow.open(path) as reg:
            case = reg.submit(npo, at=clock(), **proposal())
            case = advance(reg, case.id, "permitted")
            before = list(reg.cases())
        with nhvflow.open(path) as reg:
            assert list(reg.cases()) == before
            assert reg.get(case.id) == case
            assert reg.verify(projections=True).ok

    def test_rebuilt_projections_equal_the_live_ones(self, file_reg, npo, clock, sos):
        for _ in range(3):
            case = file_reg.submit(npo, at=clock(), **proposal())
            advance(file_reg, case.id, "permitted")
        file_reg.complete_mapping(sos, at=clock(500))
        before = file_reg.store.projection_rows()
        assert file_reg.rebuild_projections() == 3
        assert file_reg.store.projection_rows() == before


def test_steps_are_logged_with_case_trigger_role_and_outcome(reg, submitted, sos, verbose_logs):
    """Accepted and refused steps reach the "nhvflow" logger, their keys as record attributes."""
    verbose_logs.clear()
    reg.fire(submitted.id, "appoint_expert_group", sos, experts=expert_group())
    with pytest.raises(NotAuthorised):
        reg.fire(submitted.id, "deliver_basis", Actor.board(), recommends_nhv=True)
    accepted, refused = [r for r in verbose_logs.records if r.event.startswith("step_")]
    assert accepted.name == "nhvflow" and accepted.levelname == "DEBUG"
    assert accepted.event == "step_accepted" and accepted.outcome == "accepted"
    assert accepted.case_id == submitted.id and accepted.actor_role == "socialstyrelsen"
    assert accepted.getMessage().startswith(f"step_accepted case_id={submitted.id} ")
    assert refused.event == "step_refused" and refused.rules == ["nhv.responsible-party"]
    assert refused.levelname == "INFO"


def test_importing_configures_nothing():
    """Importing nhvflow neither configures structlog nor touches logging
    beyond a NullHandler on its own logger."""
    code = (
        "import logging, structlog, nhvflow, nhvflow.fixtures;"
        "assert not structlog.is_configured();"
        "assert not logging.getLogger().handlers;"
        "assert [type(h).__name__ for h in logging.getLogger('nhvflow').handlers]"
        " == ['NullHandler'];"
        "print('clean')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "clean"


def test_default_time_is_now_in_utc(reg, npo):
    before = datetime.now(UTC)
    case = reg.submit(npo, **proposal())
    assert before <= case.updated_at <= datetime.now(UTC)


@pytest.mark.parametrize("read", ["get", "history"])
def test_the_registry_stream_is_no_case_and_says_where_its_facts_are(reg, sos, read):
    """``"registry"`` holds registry facts: ``get`` and ``history`` refuse it
    alike, and name the readers that show those facts."""
    reg.complete_mapping(sos)
    with pytest.raises(nhvflow.errors.UnknownCase) as caught:
        getattr(reg, read)("registry")
    for reader in ("events()", "mapping_completed_at()", "pilot_designations()"):
        assert reader in str(caught.value)
    assert [e.type for e in reg.events()] == ["MappingCompleted"]
