"""A case officer's morning: what is due, why a case was decided, and the
shortest way to every state of the process.

The script writes a log with three proposals at different stages (one
decided, with the application window open; one with permits, whose yearly
follow-ups fall due; one advisory-only proposal closed as not eligible),
then

- lists what is due on two days, overdue first (``Registry.due``);
- prints the reasoned decision closing the advisory proposal, in Swedish,
  and writes it as a self-contained HTML page (``Registry.decision``);
- plays the shortest path to every state of ``nhv`` on a fresh registry
  (``nhvflow.testing.paths``) and says how much of the process they cover.

Run: ``python examples/deadlines_and_decisions.py [DIR]`` (default: the
current directory; writes ``deadlines.sqlite`` and ``beslut.html`` there,
replacing them).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

import nhvflow
from nhvflow import Actor
from nhvflow.fixtures import advance, proposal

START = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
ADVISORY_RULE = "nhv.advisory-requires-concentrated-care"


def write_log(path: Path) -> dict[str, str]:
    """Three proposals at three stages; their ids by what they are."""
    path.unlink(missing_ok=True)
    sos = Actor.socialstyrelsen("handläggare")
    with nhvflow.open(path) as reg:
        npo = Actor.npo("Nervsystemets sjukdomar")
        permitted = reg.submit(npo, at=START, **proposal())
        advance(reg, permitted.id, "permitted", start=START)
        women = Actor.npo("Kvinnosjukdomar och förlossning")
        decided = reg.submit(
            women, at=START, **proposal("Kvinnosjukdomar och förlossning", title="Endometrios")
        )
        advance(reg, decided.id, "decided", start=START + timedelta(days=300))
        advisory = reg.submit(
            npo, at=START, **proposal(title="Nationell rådgivning om ALS", advisory=True)
        )
        advance(reg, advisory.id, "prepared", start=START)
        refused = reg.check(
            advisory.id, "decide", sos, units=1, advisory_mission=True, at=START.replace(year=2025)
        )
        print(f"decide refused: {[(v.rule, v.citation) for v in refused]}")
        reg.fire(
            advisory.id,
            "close_not_eligible",
            sos,
            rule=ADVISORY_RULE,
            reason="Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras.",
            at=START.replace(year=2025),
        )
    return {"permitted": permitted.id, "decided": decided.id, "advisory": advisory.id}


def main(folder: Path) -> int:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "deadlines.sqlite"
    ids = write_log(log)
    with nhvflow.open(log, readonly=True) as reg:
        for day in ("2024-12-01", "2026-03-01"):
            items = reg.due(as_of=day)
            overdue = sum(1 for i in items if i.overdue)
            print(f"\nDue on {day}: {len(items)} ({overdue} overdue)")
            for i in items:
                flag = "OVERDUE" if i.overdue else "       "
                print(f"  {flag} {i.due} {i.trigger:<18} {i.responsible:<32} {i.kind:<10} "
                      f"{i.citation}")  # fmt: skip
        decision = reg.decision(ids["advisory"])
        print("\n" + decision.markdown)
        (folder / "beslut.html").write_text(decision.html, encoding="utf-8")
        print(f"HTML decision: {folder / 'beslut.html'}")

    from nhvflow.testing import coverage, paths

    played = 0
    for path in paths("nhv"):
        if path.target.kind == "state":
            with nhvflow.open() as fresh:
                case = path.play(fresh)
            assert case is not None
            print(f"reached {case.state!r} in {len(path.steps)} steps")
            played += 1
    print(f"{played} state paths played; {coverage('nhv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
