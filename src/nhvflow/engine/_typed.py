"""Typed steps: a step given as its payload object (``Decide(units=2)``)
turned into the trigger and keywords of the keyword form.

:meth:`~nhvflow.engine.Registry.fire` (and ``check``, ``explain``,
``submit``) calls :func:`unpack` or :func:`unpack_creation` first and then
goes on exactly as for ``fire(case_id, "decide", actor, units=2)``: the
object's fields are parsed again by :func:`nhvflow._payload.parse` into the
transition's event class, so a value that type-checks but breaks a bound
(a 600-character title) is refused the same way, and both forms record the
same request (an idempotency key accepts either).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs

from nhvflow.engine._fold import Catalogue
from nhvflow.errors import InvalidPayload, InvalidTrigger
from nhvflow.events import Fact
from nhvflow.states import Process

__all__ = ["fields_of", "unpack", "unpack_creation"]


def fields_of(step: Fact) -> dict[str, Any]:
    """The keywords the keyword form would take for ``step``: each field's value."""
    return {field.name: getattr(step, field.name) for field in attrs.fields(cast(Any, type(step)))}


def _no_keywords(step: Fact, payload: Mapping[str, Any]) -> None:
    if payload:
        name = sorted(payload)[0]
        raise InvalidPayload(
            name,
            f"give the step's fields in the {type(step).__name__}(...) object, not as keywords "
            "beside it.",
        )


def _stored_name(step: Fact) -> str | None:
    """The event type ``step``'s class records, or ``None`` for a class that
    declares none (``Fact`` itself, a caller's ``class Mine(Fact)``)."""
    name = getattr(type(step), "type", None)
    return name if isinstance(name, str) else None


def _recorded_by(process: Process, step: Fact) -> str | None:
    transition = process.by_event.get(_stored_name(step) or "")
    if transition is None or transition.event is not type(step):
        return None
    return transition.trigger


def unpack(
    trigger: str | Fact,
    payload: dict[str, Any],
    case_id: str,
    case_of: Callable[[str], tuple[Process, str]],
) -> tuple[str, dict[str, Any]]:
    """``(trigger, payload)`` of the keyword form.

    A string trigger is returned as it is (with its keywords); a payload
    object is looked up in the case's process (``case_of(case_id)``: the
    process and the state) and becomes its trigger and its fields. An object
    that no step of the case's process records (a ``kc-proposal`` step for
    an ``nhv`` case) raises :class:`InvalidTrigger`.
    """
    if not isinstance(trigger, Fact):
        return trigger, payload
    _no_keywords(trigger, payload)
    process, state = case_of(case_id)
    name = _recorded_by(process, trigger)
    if name is None or process.transitions[name].creates:
        raise InvalidTrigger(
            type(trigger).__name__,
            case_id=case_id,
            state=state,
            process=process.name,
            available=process.triggers_from(state),
            known=False,
        )
    return name, fields_of(trigger)


def unpack_creation(
    catalogue: Catalogue,
    step: object,
    process: str | None,
    default: str,
    payload: dict[str, Any],
) -> tuple[str, dict[str, Any]]:
    """``(process name, payload)`` of a ``submit``.

    Without a payload object: the process asked for (or the default) and the
    keywords. With one: the process whose creating step records it (the one
    asked for must be that process). ``step`` is typed ``object``: it is the
    caller's, and anything else than a creating step is refused by name.
    """
    if step is None:
        return process or default, payload
    if not isinstance(step, Fact):  # a title given by position, a dict, the class itself
        what = f"the class {step.__name__}" if isinstance(step, type) else type(step).__name__
        raise InvalidPayload(
            "submission",
            f"must be the creating step as an object, e.g. Submit(title=..., "
            f"programme_area=...) (got {what}), or left out with the fields given as keywords.",
        )
    _no_keywords(step, payload)
    creator = catalogue.creators.get(_stored_name(step) or "")
    if creator is None or creator.creation.event is not type(step):
        raise InvalidPayload(
            "submission",
            f"{type(step).__name__} does not create a case in any process of this registry; "
            "submit with the creating step of a process (nhvflow.steps.Submit under 'nhv').",
        )
    if process is not None and process != creator.name:
        raise InvalidPayload(
            "process",
            f"{type(step).__name__} creates a case of process {creator.name!r}, not {process!r}; "
            "leave process= out or submit with that process's creating step.",
        )
    return creator.name, fields_of(step)
