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

from nhvflow.engine._checks import a_new_id, an_id, encodable, unencodable_field, utc_offset
from nhvflow.engine._fold import MAPPING_FACT, PILOT_FACT, Catalogue
from nhvflow.errors import InvalidPayload, UnknownCase, shown
from nhvflow.events import Fact, iso
from nhvflow.model import Actor, Case, Violation
from nhvflow.rules import RuleOutcome
from nhvflow.states import Transition
from nhvflow.store._chain import canonical, json_scalar
from nhvflow.store._decode import moment
from nhvflow.store._interface import REGISTRY_STREAM, Store

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
        return None if value is None else moment(value, None, "the registry fact of the mapping")

    def pilot_designations(self) -> dict[str, datetime]:
        value = self.current().get(PILOT_FACT) or {}
        return {area: datetime.fromisoformat(since) for area, since in value.items()}


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
        if "\x00" in value:  # datetime.fromisoformat passes over a NUL
            raise InvalidPayload(field, f"{shown(value)} is not an ISO date-time")
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidPayload(field, f"{shown(value)} is not an ISO date-time") from None
    if not isinstance(value, datetime):
        raise InvalidPayload(
            field, f"must be a timezone-aware datetime (got {type(value).__name__})"
        )
    if utc_offset(value, field) is None:
        raise InvalidPayload(
            field,
            "must be timezone-aware, e.g. datetime(2026, 5, 4, 9, 0, tzinfo=UTC); a naive "
            "datetime is ambiguous in a legal record.",
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidPayload(
            field,
            f"{shown(value)} falls outside the calendar once converted to UTC (its offset "
            f"{value.utcoffset()} carries it past year 1 or 9999); give a time within it.",
        ) from None


def complete(transition: Transition, fact: Fact, case: Case | None, when: datetime) -> Fact:
    """The step's payload with the defaults its transition fills in from the
    case and the business time (``prepare``); a default that would fall
    outside the calendar (e.g. three months after 9999-12-31) is refused,
    naming ``at``."""
    if transition.prepare is None:
        return fact
    try:
        completed: Fact = transition.prepare(fact, case, when)
    except InvalidPayload:
        raise
    except (ValueError, OverflowError) as exc:
        raise InvalidPayload(
            "at",
            f"the step is dated {utc_iso(when)}, so a date it sets by default would fall "
            f"outside the calendar ({exc}); date the step earlier, or give that date.",
        ) from None
    return completed


def as_actor(actor: object) -> Actor:
    if not isinstance(actor, Actor):
        raise InvalidPayload(
            "actor",
            f"must be an nhvflow.Actor (got {type(actor).__name__}); "
            "build one with Actor.npo(...), Actor.region(...), ...",
        )
    if not encodable(actor_text(actor)):
        raise InvalidPayload(
            "actor",
            "holds a lone surrogate (e.g. from a mis-decoded byte) in its name or another "
            "field, which is not text that can be recorded; pass valid Unicode text.",
        )
    return actor


def check_case_id(case_id: object, *, existing: bool = False) -> None:
    """A case id as a caller gives it (a non-empty string of at most 200
    characters that can be stored), not the registry's own stream (which
    names no case)."""
    if existing:
        an_id(case_id)
    else:
        a_new_id(case_id)
    if case_id == REGISTRY_STREAM:
        if existing:  # its events are registry facts, which name no case
            raise UnknownCase(
                case_id,
                f"; {REGISTRY_STREAM!r} holds registry facts, not a case: read them with "
                "events(), mapping_completed_at() or pilot_designations()",
            )
        raise InvalidPayload("case_id", f"{REGISTRY_STREAM!r} is reserved for registry facts.")


def check_key(key: object) -> str:
    """An idempotency key: a non-empty string of at most 200 characters that can be stored."""
    return a_new_id(key, "idempotency_key")


def encode_request(
    stream: str,
    trigger: str,
    actor: Actor,
    fact: Fact,
    moment: str | None,
    process: str,
) -> Encoded:
    """The request encoded once: its fingerprint (for idempotency) and its
    payload's JSON; also refuses a payload too large or not representable as
    JSON, before any rule is judged. ``moment`` is the ISO text of the
    request's ``at`` (``None`` when the caller gave none)."""
    payload = fact.to_json()
    try:
        text = canonical(payload)
    except (TypeError, ValueError) as exc:
        raise InvalidPayload("payload", f"cannot be recorded as JSON: {exc}") from None
    try:
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidPayload(
            unencodable_field(payload),
            "holds a lone surrogate (e.g. from a mis-decoded byte), which is not text that "
            "can be recorded; pass valid Unicode text.",
        ) from None
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidPayload(
            "payload",
            f"is {size} bytes as JSON; at most {MAX_PAYLOAD_BYTES} bytes are recorded per step.",
        )
    return Encoded(fingerprint(process, stream, trigger, actor, text, moment), fact, payload, text)


def fingerprint(
    process: str, stream: str, trigger: str, actor: Actor, text: str, moment: str | None
) -> str:
    """A request's fingerprint (``request_hash``): SHA-256 of
    ``canonical([process, stream, trigger, actor, payload, moment])``, spelt
    out so that neither the actor nor the payload text is encoded again."""
    parts = (json_scalar(process), json_scalar(stream), json_scalar(trigger), actor_text(actor))
    text = f"[{','.join(parts)},{json_scalar(text)},{json_scalar(moment)}]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def in_recorded_shape(
    payload: dict[str, Any], recorded: dict[str, Any], upcast_recorded: dict[str, Any]
) -> dict[str, Any] | None:
    """A request's ``payload`` in the shape of an event recorded at an
    earlier schema version (``recorded``, and ``upcast_recorded`` the same
    upcast to today's shape), so that a repeat of that request can be
    fingerprinted as it was then: the fields the upcasts added are left out,
    provided the request leaves each as the upcast gives it (``None`` when
    it does not: the request asks for something the first one could not)."""
    added = payload.keys() - recorded.keys()
    if any(payload[name] != upcast_recorded.get(name) for name in added):
        return None
    return {name: value for name, value in payload.items() if name not in added}


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
