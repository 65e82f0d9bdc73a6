"""A writer process for the multi-process tests: one service instance.

Run as ``python writer.py TARGET MODE ARG...`` (TARGET: a path or URL). It
opens the log, prints ``ready``, waits for a line on stdin (so that all
writers start together), does its work through the public API, and prints
one JSON line per outcome.

Modes:
  walk WORKER CASES       submit CASES cases and walk each to 'decided'
  apply CASE AT REGION... each region applies for a permit on CASE at AT
  appoint CASE            appoint the expert group of CASE (a race: one wins)
  submit-forever          submit cases until killed, one line per commit
  hold                    open a batch, submit one case, then sleep inside it
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime, timedelta

import structlog

import nhvflow
from nhvflow import Actor, NhvflowError, Region
from nhvflow.fixtures import advance, expert_group, proposal

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)


def say(**what: object) -> None:
    print(json.dumps(what), flush=True)


def main(target: str, mode: str, *args: str) -> None:
    # An application configures logging (the library never does): stdout carries results.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    npo = Actor.npo("Nervsystemets sjukdomar")
    sos = Actor.socialstyrelsen()
    with nhvflow.open(target, busy_timeout=30) as reg:
        say(ready=True)
        sys.stdin.readline()
        if mode == "walk":
            worker, count = args[0], int(args[1])
            for i in range(count):
                case = reg.submit(npo, case_id=f"{worker}-{i}", at=T0, **proposal())
                case = advance(reg, case.id, "decided")
                say(case=case.id, version=case.version)
        elif mode == "apply":
            case_id, at, regions = args[0], args[1], args[2:]
            for name in regions:
                region = Region[name]
                try:
                    case = reg.fire(
                        case_id,
                        "apply_for_permit",
                        Actor.region(region),
                        unit=f"Universitetssjukhuset, {region.swedish_name}",
                        at=at,
                    )
                    say(region=name, version=case.version)
                except NhvflowError as exc:
                    say(region=name, error=type(exc).__name__, message=str(exc))
        elif mode == "appoint":
            try:
                case = reg.fire(
                    args[0],
                    "appoint_expert_group",
                    sos,
                    experts=expert_group(),
                    at=T0 + timedelta(days=1),
                )
                say(outcome="appointed", version=case.version)
            except NhvflowError as exc:
                say(outcome=type(exc).__name__)
        elif mode == "submit-forever":
            for i in range(1_000_000):
                case = reg.submit(npo, case_id=f"forever-{i}", at=T0, **proposal())
                say(case=case.id)
        elif mode == "hold":
            with reg.batch():
                case = reg.submit(npo, case_id="held", at=T0, **proposal())
                say(inside=case.id)
                time.sleep(60)
        else:
            raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
