"""The pilot-proposals story behind ``nhvflow demo`` and
``examples/pilot_proposals.py``.

Three programme areas listed on Socialstyrelsen's page (webbsidan Nationell
högspecialiserad vård, 2019):
Kvinnosjukdomar och förlossning and Nervsystemets sjukdomar, marked as
pilots, and Psykisk hälsa, each take one proposal from the NPO's proposal
(step 1) to permits (step 7) and a first follow-up and evaluation (step 8).
The third is no pilot, so its expert group waits for the overall mapping
(``nhv.mapping-pause``). NPO Reumatiska sjukdomar's advisory-only
competence-centre proposal is refused at the decision, with the rule and
its citation, and closed as not eligible.

:func:`run` writes the log and tells the story through a ``write``
callable; it configures no logging (the caller does).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import nhvflow
from nhvflow import Actor, PermitGrant, Region, TransitionDenied
from nhvflow.fixtures import expert_group
from nhvflow.rules import NhvCase

__all__ = ["run"]

Write = Callable[[str], None]

SOS = Actor.socialstyrelsen("handläggare")
BOARD = Actor.board()


class Account:
    """Fires steps on a business-time clock and prints what happened."""

    def __init__(
        self,
        reg: nhvflow.Registry,
        start: datetime,
        write: Write,
        lang: Literal["en", "sv"] = "en",
    ) -> None:
        self.reg = reg
        self.now = start
        self.accepted = 0
        self.write = write
        self.lang: Literal["en", "sv"] = lang
        self.step_word = "steg" if lang == "sv" else "step"

    def step(
        self, case_id: str, trigger: str, actor: Actor, days: int = 0, **payload: Any
    ) -> nhvflow.Case:
        self.now += timedelta(days=days)
        process = self.reg.process("nhv")
        number = process.transitions[trigger].step or "-"
        case = self.reg.fire(case_id, trigger, actor, at=self.now, **payload)
        self.accepted += 1
        line = f"{trigger:<22} {actor.name:<44} -> {case.state}"
        self.write(f"  {self.now:%Y-%m-%d}  {self.step_word} {number:>1}  {line}")
        return case

    def submit(self, actor: Actor, **payload: Any) -> nhvflow.Case:
        case = self.reg.submit(actor, at=self.now, **payload)
        self.accepted += 1
        self.write(
            f"  {self.now:%Y-%m-%d}  {self.step_word} 1  {'submit':<22} {actor.name:<44} "
            f"-> {case.state}"
        )
        return case

    def refused(self, exc: TransitionDenied) -> None:
        refused = "NEKAT" if self.lang == "sv" else "REFUSED"
        self.write(f"  {self.now:%Y-%m-%d}  {refused} {exc.trigger!r}:")
        for v in exc.violations:
            self.write(f"      {v.rule} ({v.citation})")
            self.write(f"      {v.text(self.lang)}")


def through_eight_steps(
    acc: Account,
    area: str,
    title: str,
    *,
    pilot: bool,
    units: int,
    applicants: dict[Region, str],
    granted: list[Region],
    special: dict[Region, list[str]] | None = None,
) -> nhvflow.Case:
    npo = Actor.npo(area)
    acc.write(f"\n{title} (NPO {area}{', pilot' if pilot else ''})")
    case = acc.submit(
        npo, title=title, programme_area=area, care_measures=[title],
        nominated_experts=expert_group()[:3], pilot=pilot,
    )  # fmt: skip
    if not pilot and acc.reg.mapping_completed_at() is None:
        try:
            acc.reg.fire(case.id, "appoint_expert_group", SOS, experts=expert_group(), at=acc.now)
        except TransitionDenied as exc:
            acc.refused(exc)
        acc.now += timedelta(days=60)
        acc.reg.complete_mapping(SOS, at=acc.now, note="Kartläggningen av alla förslag klar")
        acc.accepted += 1
        acc.write(f"  {acc.now:%Y-%m-%d}  the overall mapping is recorded as done")
    acc.step(case.id, "appoint_expert_group", SOS, 14, experts=expert_group())
    group = Actor.expert_group(case.id, name="Sakkunniggruppen")
    acc.step(
        case.id, "deliver_basis", group, 180, recommends_nhv=True,
        units=units, care_measures=[title], knowledge_spreading_need=bool(special),
        acute_care_impact="Begränsad påverkan på akutsjukvården",
    )  # fmt: skip
    acc.step(case.id, "open_consultation", SOS, 10, recipients=["Regionerna", "SKR"])
    acc.step(case.id, "close_consultation", SOS, 60)
    case = acc.step(case.id, "decide", SOS, 30, units=units)
    decision = NhvCase(case.data).decision
    assert decision is not None  # the step just taken decided it
    acc.write(f"      decided: {units} units; applications until {decision.applications_due}")
    for region, unit in applicants.items():
        acc.step(case.id, "apply_for_permit", Actor.region(region), 20, unit=unit)
    acc.step(case.id, "prepare_board", SOS, 60, assessment="Ansökningarna bedömda")
    grants = [PermitGrant(r, (special or {}).get(r, ())) for r in granted]
    case = acc.step(case.id, "grant_permits", BOARD, 45, permits=grants)
    for permit in case.permits:
        conditions = ", ".join(c["rule"] or "other" for c in permit["conditions"])
        acc.write(f"      permit: {permit['region_name']}, {permit['unit']} [{conditions}]")
    year = acc.now.year
    acc.now = datetime(year + 1, 2, 1, 9, 0, tzinfo=UTC)
    for region in granted:
        acc.step(case.id, "report_follow_up", Actor.region(region), 1, year=year,
                 report="Årlig uppföljning: volymer, resultat, kunskapsspridning")  # fmt: skip
    return acc.step(case.id, "evaluate", SOS, 30, findings="Tillstånden följs upp enligt plan")


def advisory_only(acc: Account) -> nhvflow.Case:
    area = "Reumatiska sjukdomar"
    npo = Actor.npo(area)
    title = "Nationella kompetenscentrum för inflammatoriska systemsjukdomar"
    acc.write(f"\n{title} (NPO {area}, advisory only)")
    case = acc.submit(npo, title=title, programme_area=area, care_measures=[], advisory=True,
                      nominated_experts=expert_group()[:2])  # fmt: skip
    acc.step(case.id, "appoint_expert_group", SOS, 14, experts=expert_group())
    group = Actor.expert_group(case.id, name="Sakkunniggruppen")
    acc.step(case.id, "deliver_basis", group, 150, recommends_nhv=True, units=2,
             knowledge_spreading_need=True)  # fmt: skip
    acc.step(case.id, "open_consultation", SOS, 10)
    acc.step(case.id, "close_consultation", SOS, 60)
    acc.now += timedelta(days=30)
    try:
        acc.reg.fire(case.id, "decide", SOS, units=2, advisory_mission=True, at=acc.now)
    except TransitionDenied as exc:
        acc.refused(exc)
    return acc.step(
        case.id, "close_not_eligible", SOS, 1, rule="nhv.advisory-requires-concentrated-care",
        reason="Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras.",
    )  # fmt: skip


def run(path: Path, *, write: Write = print, lang: Literal["en", "sv"] = "en") -> int:
    """Tell the story into a new log at ``path`` (an old file there is
    replaced) and return 0 when every accepted step is in the log and the log
    verifies, else 1. Refusals are shown in ``lang``."""
    path = Path(path)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    write(f"nhvflow {nhvflow.__version__} demo -> {path} (SQLite {sqlite3.sqlite_version})")
    with nhvflow.open(path) as reg:
        acc = Account(reg, datetime(2019, 1, 15, 9, 0, tzinfo=UTC), write, lang)
        through_eight_steps(
            acc, "Kvinnosjukdomar och förlossning", "Avancerad kirurgi vid endometrios",
            pilot=True, units=2,
            applicants={Region.SKANE: "Skånes universitetssjukhus",
                        Region.STOCKHOLM: "Karolinska Universitetssjukhuset"},
            granted=[Region.SKANE, Region.STOCKHOLM],
        )  # fmt: skip
        through_eight_steps(
            acc, "Nervsystemets sjukdomar", "Avancerad behandling av Parkinsons sjukdom",
            pilot=True, units=3,
            applicants={Region.UPPSALA: "Akademiska sjukhuset",
                        Region.VASTRA_GOTALAND: "Sahlgrenska universitetssjukhuset",
                        Region.VASTERBOTTEN: "Norrlands universitetssjukhus",
                        Region.OSTERGOTLAND: "Universitetssjukhuset i Linköping"},
            granted=[Region.UPPSALA, Region.VASTRA_GOTALAND, Region.VASTERBOTTEN],
        )  # fmt: skip
        through_eight_steps(
            acc, "Psykisk hälsa", "Könsdysfori", pilot=False, units=3,
            applicants={Region.STOCKHOLM: "Karolinska Universitetssjukhuset",
                        Region.SKANE: "Skånes universitetssjukhus",
                        Region.OSTERGOTLAND: "Universitetssjukhuset i Linköping"},
            granted=[Region.STOCKHOLM, Region.SKANE, Region.OSTERGOTLAND],
            special={Region.STOCKHOLM: ["Nationellt ansvar för utbildning om könsdysfori"]},
        )  # fmt: skip
        advisory_only(acc)

        write("\nCases")
        for case in reg.cases():
            permits = ", ".join(p["region_name"] for p in case.valid_permits) or "-"
            write(f"  {case.state:<13} v{case.version:<3} {case.data['title'][:58]:<58} {permits}")
        events = reg.store.count_events()
        report = reg.verify(projections=True)
        write(f"\n{acc.accepted} steps accepted; {events} events in the log; {report}")
        write(f"Look inside: nhvflow cases {path}   (or: sqlite3 {path} 'select * from events')")
        return 0 if report.ok and events == acc.accepted else 1
