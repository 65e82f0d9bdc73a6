"""The eventsourcing library's way to do what nhvflow does: an aggregate
per proposal, one method (and one event) per step, and an application that
loads the aggregate, takes the step and saves it.

This is the library's idiomatic style (``Aggregate`` with ``@event``
methods, ``Application.repository.get`` then ``Application.save``), with
the guard a hand-written domain model would have (the step must be
available from the current state) and none of nhvflow's legal rules,
hash chain or projections. It stores the same payloads and actor, as JSON.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.sqlite import SQLiteConnectionPool

from benchmarks.workload import Step, json_payload

__all__ = [
    "Proposals",
    "Where",
    "load_step_save",
    "open_app",
    "postgres_env",
    "replay",
    "synchronous",
    "version",
]


def version() -> str:
    """The installed eventsourcing version."""
    from importlib.metadata import version as installed

    return installed("eventsourcing")


_NEXT = {
    "appoint_expert_group": ("proposed", "expert_review"),
    "deliver_basis": ("expert_review", "basis_delivered"),
    "open_consultation": ("basis_delivered", "consultation"),
    "close_consultation": ("consultation", "prepared"),
    "decide": ("prepared", "decided"),
    "apply_for_permit": ("decided", "decided"),
    "prepare_board": ("decided", "board_preparation"),
    "grant_permits": ("board_preparation", "permitted"),
    "report_follow_up": ("permitted", "permitted"),
    "evaluate": ("permitted", "permitted"),
}


class Proposal(Aggregate):
    """A proposal for national concentration, as an eventsourcing aggregate."""

    @event("Submitted")
    def __init__(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self.state = "proposed"
        self.data: dict[str, Any] = dict(payload)
        self.submitted_by = actor
        self.updated_at = at

    def _move(self, trigger: str) -> None:
        source, dest = _NEXT[trigger]
        if self.state != source:
            raise ValueError(f"{trigger!r} is not available from {self.state!r}")
        self.state = dest

    @event("ExpertGroupAppointed")
    def appoint_expert_group(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("appoint_expert_group")
        self.data["expert_group"] = payload["experts"]
        self.updated_at = at

    @event("BasisDelivered")
    def deliver_basis(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("deliver_basis")
        self.data["basis"] = payload
        self.updated_at = at

    @event("ConsultationOpened")
    def open_consultation(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("open_consultation")
        self.data["consultation"] = {"opened_at": at, **payload}
        self.updated_at = at

    @event("ConsultationClosed")
    def close_consultation(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("close_consultation")
        self.data["consultation"]["closed_at"] = at
        self.updated_at = at

    @event("NhvDecided")
    def decide(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("decide")
        self.data["decision"] = {"decided_at": at, **payload}
        self.updated_at = at

    @event("PermitApplied")
    def apply_for_permit(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("apply_for_permit")
        self.data.setdefault("applicants", []).append({"region": actor["principal"], **payload})
        self.updated_at = at

    @event("CasePreparedForBoard")
    def prepare_board(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("prepare_board")
        self.data["board_preparation"] = payload
        self.updated_at = at

    @event("PermitsGranted")
    def grant_permits(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("grant_permits")
        self.data["permits"] = [{**p, "valid": True} for p in payload["permits"]]
        self.updated_at = at

    @event("FollowUpReported")
    def report_follow_up(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("report_follow_up")
        self.data.setdefault("follow_ups", []).append(payload)
        self.updated_at = at

    @event("PermitsEvaluated")
    def evaluate(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> None:
        self._move("evaluate")
        self.data.setdefault("evaluations", []).append(payload)
        self.updated_at = at


class Proposals(Application[UUID]):
    """The application: submit creates an aggregate; every other step is
    load, step, save."""

    def submit(self, actor: dict[str, Any], at: str, payload: dict[str, Any]) -> UUID:
        proposal = Proposal(actor, at, payload)
        self.save(proposal)
        return proposal.id

    def step(
        self, proposal_id: UUID, trigger: str, actor: dict[str, Any], at: str, **payload: Any
    ) -> None:
        proposal: Proposal = self.repository.get(proposal_id)
        getattr(proposal, trigger)(actor, at, payload)
        self.save(proposal)


@contextmanager
def synchronous(level: str | None) -> Iterator[None]:
    """Run eventsourcing's SQLite connections at ``PRAGMA synchronous=level``
    (``None``: leave the library's default, SQLite's FULL)."""
    if level is None:
        yield
        return
    original = SQLiteConnectionPool._create_connection

    def create(pool: SQLiteConnectionPool) -> Any:
        connection = original(pool)
        connection._sqlite_conn.execute(f"PRAGMA synchronous={level}")
        return connection

    SQLiteConnectionPool._create_connection = create  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        SQLiteConnectionPool._create_connection = original  # type: ignore[method-assign]


Where = Path | Mapping[str, str]
"""An SQLite file, or the environment of another persistence module
(:func:`postgres_env`)."""


def postgres_env(host: str, port: int, user: str, dbname: str) -> dict[str, str]:
    """The environment of eventsourcing's PostgreSQL module for one database
    (its defaults otherwise: a connection pool, ``synchronous_commit`` on)."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": "",
    }


def open_app(where: Where) -> Proposals:
    """The application on an SQLite file (eventsourcing's SQLite module), or
    with the persistence module ``where`` names."""
    if isinstance(where, Path):
        return Proposals(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(where)}
        )
    return Proposals(env=dict(where))


def pragma_synchronous(app: Proposals) -> int:
    """The ``synchronous`` level eventsourcing's connection runs at (2 = FULL)."""
    datastore = app.factory.datastore  # type: ignore[attr-defined]
    with datastore.get_connection(commit=False) as conn:
        return int(conn._sqlite_conn.execute("PRAGMA synchronous").fetchone()[0])


def prepare(steps: list[Step]) -> list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]:
    """The steps as eventsourcing takes them: plain JSON payloads and actors."""
    return [
        (s.case_id, s.trigger, s.actor.to_json(), s.at.isoformat(), json_payload(s.payload))
        for s in steps
    ]


def load_step_save(where: Where, steps: list[tuple[str, str, dict[str, Any], str, Any]]) -> float:
    """Steps per second: submit creates, every other step loads the
    aggregate, takes the step and saves it (one transaction per step)."""
    app = open_app(where)
    ids: dict[str, UUID] = {}
    start = time.perf_counter()
    for case_id, trigger, actor, at, payload in steps:
        if trigger == "submit":
            ids[case_id] = app.submit(actor, at, payload)
        else:
            app.step(ids[case_id], trigger, actor, at, **payload)
    rate = len(steps) / (time.perf_counter() - start)
    app.close()
    return rate


def write(where: Where, steps: list[tuple[str, str, dict[str, Any], str, Any]]) -> list[UUID]:
    """Write the steps (untimed) and return the aggregates' ids."""
    app = open_app(where)
    ids: dict[str, UUID] = {}
    for case_id, trigger, actor, at, payload in steps:
        if trigger == "submit":
            ids[case_id] = app.submit(actor, at, payload)
        else:
            app.step(ids[case_id], trigger, actor, at, **payload)
    app.close()
    return list(ids.values())


def replay(where: Where, ids: list[UUID], events: int) -> float:
    """Events per second: rebuild every aggregate from its events
    (``repository.get``, the library's replay; no snapshots)."""
    app = open_app(where)
    start = time.perf_counter()
    for proposal_id in ids:
        app.repository.get(proposal_id)
    rate = events / (time.perf_counter() - start)
    app.close()
    return rate
