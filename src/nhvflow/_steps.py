"""The pieces of a step that are not the registry itself: the request
(encoded once, fingerprinted for idempotency, size-checked), the judged step,
registry facts, and the checks on times, actors and case ids.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from typing import Any

import attrs

from nhvflow._records import REGISTRY_STREAM, Store, canonical, json_scalar
from nhvflow._replay import MAPPING_FACT, Catalogue
from nhvflow.errors import InvalidPayload, UnknownCase
from nhvflow.events import Fact, iso
from nhvflow.model import Actor, Violation
from nhvflow.rules import RuleOutcome

MAX_PAYLOAD_BYTES = 64 * 1024
"""The largest payload one step may record, as encoded JSON."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreFacts:
    """Registry-wide facts as the rules consult them, read from the log's
    registry stream (never from a projection row), inside the step's
    transaction; folded again only when that stream has grown."""

    def __init__(self, store: Store, catalogue: Catalogue) -> None:
        self._store = store
        self._catalogue = catalogue
        self._seen: tuple[int, dict[str, Any]] = (0, {})

    def current(self) -> dict[str, Any]:
        """The registry facts as the log has them now."""
        version = self._store.stream_version(REGISTRY_STREAM)
        if version != self._seen[0]:
            events = self._store.events(REGISTRY_STREAM)
            self._seen = (version, self._catalogue.registry_facts(events))
        return self._seen[1]

    def mapping_completed_at(self) -> datetime | None:
        value = self.current().get(MAPPING_FACT)
        return None if value is None else datetime.fromisoformat(value)


@attrs.frozen
class Encoded:
    """A step's request, encoded once: its fingerprint (for idempotency) and
    the payload as JSON data and canonical text, which the log records
    unless ``prepare`` completed the payload."""

    hash: str
    fact: Fact
    payload: dict[str, Any]
    payload_text: str


def outcome(rule: Any, violations: list[Violation]) -> RuleOutcome:
    return RuleOutcome(rule, "failed" if violations else "passed", tuple(violations))


def aware(value: datetime | str, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidPayload(field, f"{value!r} is not an ISO date-time") from None
    if not isinstance(value, datetime):
        raise InvalidPayload(
            field, f"must be a timezone-aware datetime (got {type(value).__name__})"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidPayload(
            field,
            "must be timezone-aware, e.g. datetime(2026, 5, 4, 9, 0, tzinfo=UTC); a naive "
            "datetime is ambiguous in a legal record.",
        )
    return value.astimezone(UTC)


def as_actor(actor: object) -> Actor:
    if not isinstance(actor, Actor):
        raise InvalidPayload(
            "actor",
            f"must be an nhvflow.Actor (got {type(actor).__name__}); "
            "build one with Actor.npo(...), Actor.region(...), ...",
        )
    return actor


def check_case_id(case_id: object, *, existing: bool = False) -> None:
    """A case id as a caller gives it: a non-empty string of at most 200
    characters, not the registry's own stream (which names no case)."""
    if not isinstance(case_id, str) or not case_id.strip() or len(case_id) > 200:
        raise InvalidPayload("case_id", "must be a non-empty string of at most 200 characters.")
    if case_id == REGISTRY_STREAM:
        if existing:
            raise UnknownCase(case_id)
        raise InvalidPayload("case_id", f"{REGISTRY_STREAM!r} is reserved for registry facts.")


def check_key(key: object) -> str:
    """An idempotency key: a non-empty string of at most 200 characters."""
    if not isinstance(key, str) or not key or len(key) > 200:
        raise InvalidPayload(
            "idempotency_key", "must be a non-empty string of at most 200 characters."
        )
    return key


def encode_request(
    stream: str,
    trigger: str,
    actor: Actor,
    fact: Fact,
    at: datetime | str | None,
    process: str,
) -> Encoded:
    """The request encoded once: its fingerprint (for idempotency) and its
    payload's JSON; also refuses a payload too large or not representable as
    JSON, before any rule is judged."""
    moment = None if at is None else utc_iso(aware(at, "at"))
    payload = fact.to_json()
    try:
        text = canonical(payload)
    except (TypeError, ValueError) as exc:
        raise InvalidPayload("payload", f"cannot be recorded as JSON: {exc}") from None
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidPayload(
            "payload",
            f"is {size} bytes as JSON; at most {MAX_PAYLOAD_BYTES} bytes are recorded per step.",
        )
    # canonical([process, stream, trigger, actor.to_json(), text, moment]),
    # spelt out so that neither the actor nor the payload is encoded again.
    parts = (json_scalar(process), json_scalar(stream), json_scalar(trigger), actor_text(actor))
    fingerprint = f"[{','.join(parts)},{json_scalar(text)},{json_scalar(moment)}]"
    return Encoded(hashlib.sha256(fingerprint.encode("utf-8")).hexdigest(), fact, payload, text)


@functools.lru_cache(maxsize=4096)
def actor_text(actor: Actor) -> str:
    return canonical(actor.to_json())


def actor_json(actor: Actor) -> tuple[dict[str, Any], str]:
    """The actor as the log records it (a fresh dict) and its canonical
    text, encoded once per distinct actor (actors are frozen values)."""
    return actor.to_json(), actor_text(actor)


def utc_iso(moment: datetime) -> str:
    """:func:`iso` for a moment already in UTC (every ``at`` is, once read by
    ``aware`` or the clock); others are converted as before."""
    if moment.tzinfo is UTC:
        return moment.isoformat(timespec="microseconds")
    return iso(moment)
