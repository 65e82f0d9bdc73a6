"""One advisory-only proposal under three regimes, in one log.

The report in the seeds asks what should become of proposals that ask for
advice and knowledge support only, with no care to concentrate: a national
competence centre. This script takes one such proposal through

- ``nhv``, the law in force: it reaches a decision, and the rule
  ``nhv.advisory-requires-concentrated-care`` refuses to decide it, so
  Socialstyrelsen closes it as not eligible;
- ``kc-proposal``, the report's proposed competence-centre system (not in
  force): the need is defined, an expert group fixes the number of centres
  and their tasks, the system effects are weighed, two regions apply, and the
  centres are established on a state grant (refused first for three years,
  which needs the Riksdag's authorisation);
- ``no-competence-service``, the Norwegian model: a health enterprise takes
  the initiative, the other three support it, the directorate reviews it
  against the three criteria and the ministry approves it with a plan.

Every step goes through the public API; every refusal is the rules'.

Run: ``python examples/one_proposal_three_regimes.py [LOG]`` (default
``three_regimes.sqlite``, replaced if it exists).
"""

from __future__ import annotations

import sys
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import nhvflow
from nhvflow import Actor, Case, Region, TransitionDenied
from nhvflow.fixtures import advance, expert_group

TITLE = "Nationellt kompetenscentrum för inflammatoriska systemsjukdomar"
AREA = "Reumatiska sjukdomar"
SOS = Actor.socialstyrelsen("handläggare")


def on(year: int, month: int, day: int = 15) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)


def say(case: Case, what: str) -> None:
    print(f"  {case.process:<22} {what:<58} -> {case.state}")


def refusal(exc: TransitionDenied) -> None:
    for v in exc.violations:
        print(f"  {'':<22} REFUSED by {v.rule} ({v.citation})")
        print(f"  {'':<22}   {v.message}")


def under_nhv(reg: nhvflow.Registry) -> Case:
    case = reg.submit(
        Actor.npo(AREA), process="nhv", title=TITLE, programme_area=AREA,
        care_measures=[], advisory=True, pilot=True, at=on(2021, 1),
    )  # fmt: skip
    say(case, "submit: the NPO proposes an advisory mission only")
    case = advance(reg, case.id, "prepared", start=on(2021, 1))
    say(case, "steps 2-3: expert group, basis, consultation")
    try:
        reg.fire(case.id, "decide", SOS, units=1, at=on(2021, 9))
    except TransitionDenied as exc:
        refusal(exc)
    case = reg.fire(
        case.id, "close_not_eligible", SOS, rule="nhv.advisory-requires-concentrated-care",
        reason="Rådgivning kan inte beslutas utan att vårdåtgärder koncentreras.",
        at=on(2021, 9, 16),
    )  # fmt: skip
    say(case, "close_not_eligible, citing the rule")
    return case


def under_kc(reg: nhvflow.Registry) -> Case:
    case = reg.submit(
        Actor.npo(AREA), process="kc-proposal", title=TITLE, programme_area=AREA,
        need="Rådgivning och utbildning om inflammatoriska systemsjukdomar i hela landet",
        care_measures=[], advisory=True, at=on(2021, 1),
    )  # fmt: skip
    say(case, "submit: the NPO defines the need")
    case = reg.fire(case.id, "appoint_expert_group", SOS, experts=expert_group(), at=on(2021, 2))
    say(case, "appoint_expert_group")
    case = reg.fire(
        case.id, "deliver_basis", Actor.expert_group(case.id), centres=2,
        tasks=["Rådgivning om diagnostik och behandling", "Utbildning"], at=on(2021, 4),
    )  # fmt: skip
    say(case, "deliver_basis: two centres, their tasks")
    case = reg.fire(
        case.id, "assess_system_effects", SOS,
        assessment="Samlad kompetens stärker vården i hela landet", at=on(2021, 5),
    )  # fmt: skip
    say(case, "assess_system_effects (the preparation group)")
    for region in (Region.SKANE, Region.UPPSALA):
        case = reg.fire(
            case.id, "apply_to_establish", Actor.region(region),
            unit=f"Reumatologen, {region.swedish_name}", at=on(2021, 6),
        )  # fmt: skip
        say(case, f"apply_to_establish: {region.swedish_name}")
    centres = {"regions": [Region.SKANE, Region.UPPSALA], "financing": "state grant"}
    try:
        reg.fire(case.id, "establish", SOS, grant_years=3, at=on(2021, 8), **centres)
    except TransitionDenied as exc:
        refusal(exc)
    case = reg.fire(case.id, "establish", SOS, grant_years=1, at=on(2021, 8), **centres)
    say(case, "establish: two centres, a one-year state grant")
    return case


def under_norway(reg: nhvflow.Registry) -> Case:
    initiator = Actor.health_enterprise("Helse Vest")
    case = reg.submit(
        initiator, process="no-competence-service", title=TITLE, at=on(2021, 1),
        tasks=["kompetansespredning", "rådgivning"],
    )  # fmt: skip
    say(case, "submit: Helse Vest takes the initiative")
    for other in ("Helse Sør-Øst", "Helse Midt-Norge", "Helse Nord"):
        case = reg.fire(case.id, "support", Actor.health_enterprise(other), at=on(2021, 2))
        say(case, f"support: {other}")
    case = reg.fire(case.id, "apply", initiator, at=on(2021, 3))
    say(case, "apply")
    case = reg.fire(
        case.id, "review", Actor.directorate(), experts=["Professor i revmatologi"],
        quality_of_course=True, national_competence=True, cost_effectiveness=True,
        at=on(2021, 5),
    )  # fmt: skip
    say(case, "review: the three criteria met")
    case = reg.fire(
        case.id, "approve", Actor.ministry(),
        goals=["Kompetanse på systemiske inflammatoriske sykdommer i alle helseregioner"],
        goals_met_when="Alle fire helseregioner har eget fagmiljø",
        wind_down_estimate=date(2029, 12, 31), at=on(2021, 8),
    )  # fmt: skip
    grant = case.data["establishment_grant"]
    say(case, f"approve: a plan, a one-off grant of NOK {grant['nok']:,}")
    return case


def main(path: Path) -> int:
    path.unlink(missing_ok=True)
    print(f"One advisory-only proposal: {TITLE!r}\n")
    with nhvflow.open(path) as reg:
        cases = [under_nhv(reg), under_kc(reg), under_norway(reg)]
        print()
        for case in cases:
            print(f"  {case.process:<22} ends {case.state!r} after {case.version} events")
        report = reg.verify()
        total = reg.store.count_events()
        print(f"\n{total} events in {path}; {report}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    # nhvflow's log lines are silent unless an application configures
    # logging; this script is the only writer of its file, so the warning
    # about several writers on one SQLite file does not apply.
    warnings.filterwarnings("ignore", category=nhvflow.SQLiteVersionWarning)
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "three_regimes.sqlite")))
