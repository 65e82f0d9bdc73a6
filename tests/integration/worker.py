"""A writer process for the integration tests, run as a script:

    python worker.py LOG_PATH MODE SPEC_JSON

It opens the log with ``nhvflow.open`` (at the wall-clock time ``open_at``
of the spec, if given), prints ``ready``, waits for a line
on stdin (so that several workers start writing at the same moment), then
does what MODE says and prints one JSON line per outcome, flushed at once:

``{"case": id, "version": n, "type": event type}``
    a step that returned (it is committed: ``fire`` returned after COMMIT);
``{"error": exception class, "module": its module, "message": text}``
    a step that raised (``race`` mode reports it instead of crashing).

Modes:

``mixed``   ``{"name", "cases", "shared"}``: walk ``cases`` own cases from
            submission to a decision, firing ``evaluate`` on one of the
            ``shared`` permitted cases between every two own steps; sleep
            ``pause`` seconds after each pair (a gap between requests).
``stream``  ``{"name"}``: walk new cases forever (until killed).
``held``    ``{"name", "steps"}``: inside one ``batch()`` take ``steps``
            steps, print ``inside`` and sleep (until killed).
``race``    ``{"case_id", "trigger", "actor", "payload", "expected_version",
            "idempotency_key", "at"}``: fire one step.

Any unexpected exception ends the worker with a traceback and a non-zero
exit code, which the tests report.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from typing import Any

import structlog

import nhvflow
from nhvflow import Actor, Case, NhvflowError, Registry
from nhvflow.fixtures import expert_group, proposal

SOS = Actor.socialstyrelsen("handläggare")
NPO = Actor.npo("Nervsystemets sjukdomar")


def say(**line: Any) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


def own_steps(reg: Registry, case_id: str) -> Iterator[Case]:
    """Submission to decision of one pilot proposal, dated now (``at=None``)."""
    yield reg.submit(NPO, case_id=case_id, **proposal())
    yield reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group())
    yield reg.fire(
        case_id,
        "deliver_basis",
        Actor.expert_group(case_id),
        recommends_nhv=True,
        units=2,
        care_measures=["Avancerad behandling av Parkinsons sjukdom"],
    )
    yield reg.fire(case_id, "open_consultation", SOS)
    yield reg.fire(case_id, "close_consultation", SOS)
    yield reg.fire(case_id, "decide", SOS, units=2)


def mixed(reg: Registry, spec: dict[str, Any]) -> None:
    shared: list[str] = spec["shared"]
    turn = 0
    for i in range(spec["cases"]):
        for case in own_steps(reg, f"{spec['name']}-{i}"):
            say(case=case.id, version=case.version, type=_last_type(case))
            target = shared[turn % len(shared)]
            turn += 1
            evaluated = reg.fire(target, "evaluate", SOS, findings=f"{spec['name']} #{turn}")
            say(case=evaluated.id, version=evaluated.version, type="PermitsEvaluated")
            time.sleep(spec.get("pause", 0.0))  # a gap between requests lets the others in


def stream(reg: Registry, spec: dict[str, Any]) -> None:
    i = 0
    while True:
        for case in own_steps(reg, f"{spec['name']}-{i}"):
            say(case=case.id, version=case.version, type=_last_type(case))
        i += 1


def held(reg: Registry, spec: dict[str, Any]) -> None:
    with reg.batch():
        steps = own_steps(reg, f"{spec['name']}-batch")
        for _ in range(spec["steps"]):
            case = next(steps)
            say(pending=case.id, version=case.version)
        say(inside=True)
        time.sleep(60)


def race(reg: Registry, spec: dict[str, Any]) -> None:
    payload = dict(spec.get("payload") or {})
    try:
        case = reg.fire(
            spec["case_id"],
            spec["trigger"],
            Actor.from_json(spec["actor"]),
            expected_version=spec.get("expected_version"),
            idempotency_key=spec.get("idempotency_key"),
            at=spec.get("at"),
            **payload,
        )
    except Exception as exc:  # reported to the test, which judges the class
        say(error=type(exc).__name__, module=type(exc).__module__, message=str(exc))
        if not isinstance(exc, NhvflowError):
            raise
    else:
        say(case=case.id, version=case.version, state=case.state)


_TYPES = {
    "proposed": "ProposalSubmitted",
    "expert_review": "ExpertGroupAppointed",
    "basis_delivered": "BasisDelivered",
    "consultation": "ConsultationOpened",
    "prepared": "ConsultationClosed",
    "decided": "NhvDecided",
}


def _last_type(case: Case) -> str:
    """The event type of the step that left ``case`` in its state (on the own path)."""
    return _TYPES[case.state]


def main() -> None:
    path, mode, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    if "open_at" in spec:  # a wall-clock moment shared by several workers
        time.sleep(max(0.0, spec["open_at"] - time.time()))
    with nhvflow.open(path, busy_timeout=spec.get("busy_timeout", 10.0)) as reg:
        say(ready=True)
        sys.stdin.readline()
        {"mixed": mixed, "stream": stream, "held": held, "race": race}[mode](reg, spec)
    say(done=True)


if __name__ == "__main__":
    main()
