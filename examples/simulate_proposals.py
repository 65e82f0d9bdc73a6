"""What happens to the "över 250 förslag" the programme areas sent in?

Simulates 250 proposals (seed 000's count) from the programme areas on
Socialstyrelsen's page through the process in force, every step judged by
the real rules, and answers two questions analysts ask:

- how do the proposals end, and how long do the steps take?
- how many advisory-only proposals does today's law turn away?

It then asks what the pause on new expert groups costs: the same
population, the same seed, with the overall mapping completed a year later.

Run it with ``python examples/simulate_proposals.py [DIR]``: it writes the
event log ``simulation.sqlite`` and, with ``nhvflow[report]`` installed,
the HTML report ``simulation.html`` to DIR (default: the current directory).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import attrs
from rich.console import Console

import nhvflow
from nhvflow.simulate import Scenario, render_table, run, write_html

SEED = 2019
RULE = "nhv.advisory-requires-concentrated-care"


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "simulation.sqlite"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    scenario = Scenario()  # 250 proposals; the mapping completed 2020-03-31
    result = run(scenario, seed=SEED, db=db)
    console = Console(width=110)
    console.print(render_table(result))

    advisory = sum(result.final_states_by_kind["advisory_only"].values())
    print(
        f"\n{result.proposals} proposals: {result.final_states.get('permitted', 0)} ended with "
        f"permits ({result.permits} permits in all), {result.final_states.get('rejected', 0)} "
        f"rejected, {result.final_states.get('withdrawn', 0)} withdrawn."
    )
    refused = result.refusals.get(RULE, 0)
    print(
        f"Advisory-only proposals: {advisory}; closed as not eligible under {RULE}: "
        f"{result.advisory_only_not_eligible} (refused at the decision {refused} times)."
    )
    end = result.end_to_end
    print(f"From proposal to the settling step: median {end.median} days, 90% within {end.p90}.")

    later = attrs.evolve(scenario, mapping_completed=date(2021, 3, 31))
    delayed = run(later, seed=SEED)
    print(
        f"Mapping completed a year later ({later.mapping_completed}): median days to the basis "
        f"{result.days(2).median} -> {delayed.days(2).median}."
    )

    with nhvflow.open(db, readonly=True) as reg:  # reading only: no warning about writers
        events = reg.store.count_events()
        verified = reg.verify()
    print(f"\n{events} events in {db}; {verified}")
    if importlib.util.find_spec("matplotlib") is not None:
        print(f"HTML report: {write_html(result, out / 'simulation.html')}")
    else:
        print("HTML report skipped: install nhvflow[report] for the charts.")
    return 0 if verified.ok and events == result.events else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
