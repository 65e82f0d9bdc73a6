"""Domain values: who acts (:class:`Actor`, :class:`Role`), where
(:class:`Region`, :class:`HealthcareRegion`), the experts and permits a step
names, and what a reader gets back (:class:`Case`, :class:`Event`,
:class:`Violation`).

Every value is a frozen attrs class; bad input fails at construction and the
error names the field. Nothing here does I/O.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal, Protocol

import attrs

from nhvflow._abroad import (
    EU_EEA_COUNTRIES,
    HEALTH_ENTERPRISES,
    country_code,
    health_enterprise_name,
)
from nhvflow._parties import HealthcareRegion, Region, Role, text_key
from nhvflow.errors import InvalidPayload, shown

__all__ = [
    "EU_EEA_COUNTRIES",
    "HEALTH_ENTERPRISES",
    "PROGRAMME_AREAS",
    "Actor",
    "Case",
    "Event",
    "Expert",
    "Gender",
    "HealthcareRegion",
    "PermitGrant",
    "Region",
    "Role",
    "Violation",
    "health_enterprise_name",
    "same_area",
]

Gender = Literal["female", "male", "other"]
GENDERS: tuple[str, ...] = ("female", "male", "other")


PROGRAMME_AREAS: tuple[str, ...] = (
    "Kvinnosjukdomar och förlossning",
    "Nervsystemets sjukdomar",
    "Psykisk Hälsa",
    "Endokrina sjukdomar",
    "Infektionssjukdomar",
    "Barn och ungdomars hälsa",
    "Ögonsjukdomar",
    "Öron-, näsa- och halssjukdomar",
    "Hjärt- och kärlsjukdomar",
    "Lung- och allergisjukdomar",
    "Rörelseorganens sjukdomar",
    "Hud- och könssjukdomar",
    "Mag- och tarmsjukdomar",
    "Njur- och urinvägssjukdomar",
    "Sällsynta sjukdomar",
    "Cancersjukdomar",
    "Tandvård",
    "Akut vård",
    "Nära vård",
)
"""The national programme areas (NPO) listed on Socialstyrelsen's page
(Socialstyrelsen, webbsidan Nationell högspecialiserad vård, 2019), in its order: the two
pilots first. An NPO's name is compared
with :func:`same_area`.

.. versionadded:: 0.1
"""


def same_area(a: str | None, b: str | None) -> bool:
    """Whether two programme-area names denote the same area.

    Names are compared case-insensitively with whitespace collapsed and
    Unicode normalised, so ``"Psykisk Hälsa"`` (as on Socialstyrelsen's page)
    and ``"Psykisk hälsa"`` are one area.
    """
    if a is None or b is None:
        return False
    return text_key(a) == text_key(b)


def _named(field: str, exc: Exception) -> InvalidPayload:
    """A value's refusal as :class:`InvalidPayload` naming the field."""
    if isinstance(exc, InvalidPayload):
        return exc if exc.field == field else InvalidPayload(field, exc.reason)
    reason = str(exc).removeprefix(f"{field!r} ").removeprefix(f"{field!r}: ")
    return InvalidPayload(field, reason)


def _parse_region(value: object, field: str) -> Region:
    try:
        return Region.parse(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise _named(field, exc) from None


def _region(value: Region | str) -> Region:
    return _parse_region(value, "region")


def _optional_region(value: Region | str | None) -> Region | None:
    return None if value is None else _parse_region(value, "principal")


def _country(value: str | None) -> str | None:
    try:
        return country_code(value)
    except (TypeError, ValueError) as exc:
        raise _named("country", exc) from None


def _role(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Role):
        raise InvalidPayload(
            attribute.name, f"must be an nhvflow.Role, e.g. Role.NPO (got {shown(value)})."
        )


def _required(value: object, field: str) -> str:
    """A constructor's argument that names what the actor stands for."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayload(field, f"must be a non-empty string (got {shown(value)}).")
    return value


def _nonempty_str(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayload(attribute.name, f"must be a non-empty string (got {shown(value)}).")
    if len(value) > 500:
        raise InvalidPayload(attribute.name, f"must be at most 500 characters (got {len(value)}).")


def _optional_nonempty_str(obj: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _nonempty_str(obj, attribute, value)


def _strict_bool(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidPayload(attribute.name, f"must be True or False (got {shown(value)}).")


class _PartyConstructor(Protocol):
    """``Actor.board()``: the party by its usual name; ``Actor.board(name)``: by another."""

    def __call__(self, name: str = ...) -> Actor: ...


@attrs.frozen
class _OneParty:
    """The constructor of an :class:`Actor` for a party there is only one of
    (the board, a ministry), named as its role (``Actor.board``): called
    without a name, it gives the party under its usual name."""

    role: Role
    usual_name: str

    def __get__(self, _: object, owner: type[Actor]) -> _PartyConstructor:
        def party(name: str = self.usual_name) -> Actor:
            return owner(self.role, name)

        party.__name__ = self.role.value
        party.__qualname__ = f"{owner.__qualname__}.{self.role.value}"
        party.__doc__ = (
            f"An Actor of role {self.role.value!r}, named {self.usual_name!r} unless ``name`` "
            "says otherwise."
        )
        return party


@attrs.frozen
class Actor:
    """Someone who fires a step: a role, a name, and where it applies the
    programme area (an NPO), the principal (the region a region actor acts
    for), the case (an expert group), the country (an ERN applicant or a
    Member State, as an ISO code of an EU or EEA state) or the network (an
    ERN coordinator).

    Build actors with the constructors: :meth:`npo`, :meth:`socialstyrelsen`,
    :meth:`board`, :meth:`region`, :meth:`expert_group`; for the Norwegian
    competence services :meth:`health_enterprise`, :meth:`directorate` and
    :meth:`ministry`; for ERN membership :meth:`provider`,
    :meth:`member_state`, :meth:`commission`, :meth:`coordinator`,
    :meth:`assessment_body` and :meth:`ern_board`; and any other party with
    :meth:`of`.

    .. versionadded:: 0.1
    """

    role: Role = attrs.field(validator=_role)
    name: str = attrs.field(validator=_nonempty_str)
    programme_area: str | None = attrs.field(default=None, validator=_optional_nonempty_str)
    principal: Region | None = attrs.field(default=None, converter=_optional_region)
    case_id: str | None = attrs.field(default=None, validator=_optional_nonempty_str)
    country: str | None = attrs.field(default=None, converter=_country)
    network: str | None = attrs.field(default=None, validator=_optional_nonempty_str)

    @classmethod
    def npo(cls, programme_area: str, name: str | None = None) -> Actor:
        """The representatives of a national programme area (NPO)."""
        _required(programme_area, "programme_area")
        return cls(Role.NPO, name or f"NPO {programme_area}", programme_area=programme_area)

    socialstyrelsen = _OneParty(Role.SOCIALSTYRELSEN, "Socialstyrelsen")
    """Socialstyrelsen, e.g. a case officer: ``Actor.socialstyrelsen("handläggare")``."""

    board = _OneParty(Role.BOARD, "Nämnden för nationell högspecialiserad vård")
    """The board that decides on permits (nämnden)."""

    @classmethod
    def region(cls, region: Region | str, name: str | None = None) -> Actor:
        """A region (huvudman) acting for itself; ``principal`` is the region."""
        principal = _parse_region(region, "region")
        return cls(Role.REGION, name or principal.swedish_name, principal=principal)

    @classmethod
    def expert_group(cls, case_id: str, name: str | None = None) -> Actor:
        """The expert group (sakkunniggrupp) appointed for one case."""
        _required(case_id, "case_id")
        return cls(Role.EXPERT_GROUP, name or f"Sakkunniggrupp {case_id}", case_id=case_id)

    @classmethod
    def health_enterprise(cls, name: str) -> Actor:
        """One of Norway's four regional health enterprises, e.g.
        ``Actor.health_enterprise("Helse Vest")`` (the name is checked and
        made canonical: see :data:`HEALTH_ENTERPRISES`)."""
        try:
            canonical = health_enterprise_name(name)
        except ValueError as exc:
            raise _named("name", exc) from None
        return cls(Role.HEALTH_ENTERPRISE, canonical)

    directorate = _OneParty(Role.DIRECTORATE, "Helsedirektoratet")
    """Helsedirektoratet, the Norwegian Directorate of Health."""

    ministry = _OneParty(Role.MINISTRY, "Helse- og omsorgsdepartementet")
    """Helse- og omsorgsdepartementet, Norway's Ministry of Health and Care Services."""

    @classmethod
    def provider(cls, name: str, country: str) -> Actor:
        """A healthcare provider in an EU or EEA state applying to a European
        Reference Network, e.g. ``Actor.provider("Karolinska
        universitetssjukhuset", "SE")``."""
        return cls(Role.PROVIDER, name, country=_required(country, "country"))

    @classmethod
    def member_state(cls, country: str, name: str | None = None) -> Actor:
        """The Member State (its health ministry) of a provider, by ISO code."""
        code = _country(_required(country, "country"))
        assert code is not None
        return cls(Role.MEMBER_STATE, name or EU_EEA_COUNTRIES[code], country=code)

    commission = _OneParty(Role.COMMISSION, "European Commission")
    """The European Commission."""

    @classmethod
    def coordinator(cls, network: str, name: str | None = None) -> Actor:
        """The coordinator of one European Reference Network, e.g.
        ``Actor.coordinator("ERN-RND")``."""
        _required(network, "network")
        return cls(Role.COORDINATOR, name or f"Coordinator of {network}", network=network)

    assessment_body = _OneParty(Role.ASSESSMENT_BODY, "Independent Assessment Body")
    """The independent body that assesses ERN membership applications."""

    ern_board = _OneParty(Role.ERN_BOARD, "ERN Board of Member States")
    """The Board of Member States, which approves ERN members."""

    @classmethod
    def of(cls, role: Role | str, name: str) -> Actor:
        """Any other party, by role and name (e.g. ``Actor.of(Role.MINISTRY,
        "Helse- og omsorgsdepartementet")``)."""
        if isinstance(role, str):
            try:
                role = Role(role)
            except ValueError:
                known = ", ".join(r.value for r in Role)
                raise InvalidPayload(
                    "role", f"{shown(role)} is not a role; the roles are {known}."
                ) from None
        return cls(role, name)

    def to_json(self) -> dict[str, Any]:
        """The actor as a JSON-ready dict (how the log stores it)."""
        out: dict[str, Any] = {"role": self.role.value, "name": self.name}
        if self.programme_area is not None:
            out["programme_area"] = self.programme_area
        if self.principal is not None:
            out["principal"] = self.principal.name
        if self.case_id is not None:
            out["case_id"] = self.case_id
        if self.country is not None:
            out["country"] = self.country
        if self.network is not None:
            out["network"] = self.network
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Actor:
        """Rebuild an actor stored by :meth:`to_json`."""
        return cls(
            Role(data["role"]),
            data["name"],
            programme_area=data.get("programme_area"),
            principal=data.get("principal"),
            case_id=data.get("case_id"),
            country=data.get("country"),
            network=data.get("network"),
        )

    def describe(self) -> str:
        """A short readable description, e.g. ``"region (Region Skåne)"``."""
        return f"{self.role.value} ({self.name})"


def _gender(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or value not in GENDERS:
        raise InvalidPayload(attribute.name, f"must be one of {GENDERS} (got {shown(value)}).")


@attrs.frozen
class Expert:
    """A member of an expert group (sakkunnig).

    The flags are what :data:`nhv.expert-group-composition` judges: clinical
    and scientific legitimacy, patient representation, declared interests
    (transparency) and time allotted for the assignment.

    .. versionadded:: 0.1
    """

    name: str = attrs.field(validator=_nonempty_str)
    profession: str = attrs.field(validator=_nonempty_str)
    region: Region = attrs.field(converter=_region)
    gender: Gender = attrs.field(validator=_gender)
    clinical: bool = attrs.field(default=False, validator=_strict_bool)
    scientific: bool = attrs.field(default=False, validator=_strict_bool)
    patient_representative: bool = attrs.field(default=False, validator=_strict_bool)
    interests_declared: bool = attrs.field(default=False, validator=_strict_bool)
    time_allotted: bool = attrs.field(default=False, validator=_strict_bool)

    def to_json(self) -> dict[str, Any]:
        """The expert as a JSON-ready dict."""
        return {
            "name": self.name,
            "profession": self.profession,
            "region": self.region.name,
            "gender": self.gender,
            "clinical": self.clinical,
            "scientific": self.scientific,
            "patient_representative": self.patient_representative,
            "interests_declared": self.interests_declared,
            "time_allotted": self.time_allotted,
        }


def _texts(name: str, value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidPayload(name, f"must be a list of strings, not {shown(value)}.")
    return tuple(value)


def _special_conditions(value: Iterable[str] | str) -> tuple[str, ...]:
    return _texts("special_conditions", value)


def _other_conditions(value: Iterable[str] | str) -> tuple[str, ...]:
    return _texts("other_conditions", value)


def _conditions_valid(
    _: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]
) -> None:
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise InvalidPayload(
                attribute.name, f"must hold non-empty strings (got {shown(item)})."
            )
        if len(item) > 2000:
            raise InvalidPayload(attribute.name, "each condition is at most 2000 characters.")


def _optional_date(value: date | str | None) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidPayload("starts_on", f"{shown(value)} is not an ISO date") from None
    raise InvalidPayload("starts_on", f"expected a date, got {type(value).__name__}")


@attrs.frozen
class PermitGrant:
    """One permit the board grants (step 7): to a region that applied, with
    any special conditions.

    The board may set special conditions on a permit, "om den till exempel
    finner att kompetensspridningen till den övriga hälso- och sjukvården
    ytterligare måste säkras när vårdåtgärderna koncentreras" (Socialstyrelsen,
    Förutsättningar för kompetenscentrum inom nationell högspecialiserad vård,
    2019). ``special_conditions`` are such knowledge-spreading conditions:
    the rule ``nhv.special-conditions-need-basis`` admits them only where the
    preparations recorded the need. ``other_conditions`` are special
    conditions of any other kind (on volumes, say), which that rule does not
    judge.

    ``unit`` defaults to the unit named in the region's application;
    ``starts_on`` is the date from which the permit holds (HSLF-FS 2018:48
    4 kap. 2 §), by default the day of the decision.

    .. versionchanged:: 0.2
       ``other_conditions``.

    .. versionadded:: 0.1
    """

    region: Region = attrs.field(converter=_region)
    special_conditions: tuple[str, ...] = attrs.field(
        default=(), converter=_special_conditions, validator=_conditions_valid
    )
    unit: str | None = attrs.field(default=None, validator=_optional_nonempty_str)
    starts_on: date | None = attrs.field(default=None, converter=_optional_date)
    other_conditions: tuple[str, ...] = attrs.field(
        default=(), converter=_other_conditions, validator=_conditions_valid
    )

    def to_json(self) -> dict[str, Any]:
        """The grant as a JSON-ready dict (``other_conditions`` only when
        there are any, so that a grant without them reads as it always did)."""
        out: dict[str, Any] = {
            "region": self.region.name,
            "special_conditions": list(self.special_conditions),
            "unit": self.unit,
            "starts_on": self.starts_on.isoformat() if self.starts_on else None,
        }
        if self.other_conditions:
            out["other_conditions"] = list(self.other_conditions)
        return out


@attrs.frozen
class Violation:
    """Why a rule refuses a step.

    ``message`` is one English sentence a case officer understands (what is
    wrong and what would make it right); ``message_sv`` says the same in
    Swedish. ``criterion`` names the failed criterion where a rule has
    several (e.g. ``"patient_representation"``).

    .. versionadded:: 0.1
    """

    rule: str
    citation: str
    message: str
    message_sv: str = ""
    criterion: str | None = None

    def text(self, lang: Literal["en", "sv"] = "en") -> str:
        """The message in English or Swedish."""
        return self.message_sv if lang == "sv" and self.message_sv else self.message


@attrs.frozen(eq=True, hash=False)
class Case:
    """A case as it stands: a read-only view built from its events.

    ``data`` holds the accumulated facts: the submitted title, programme
    area, care measures and advisory flag, then the expert group, the basis,
    the decision (``units``), the ``applicants``, the ``permits``, follow-ups
    and so on. It is a fresh dict on every read: changing it changes nothing
    in the registry.

    .. versionadded:: 0.1
    """

    id: str
    process: str
    state: str
    version: int
    data: dict[str, Any]
    updated_at: datetime | None = attrs.field(default=None, eq=False)

    @property
    def permits(self) -> list[dict[str, Any]]:
        """The permits granted in this case (valid and revoked)."""
        permits: list[dict[str, Any]] = self.data.get("permits", [])
        return permits

    @property
    def valid_permits(self) -> list[dict[str, Any]]:
        """The permits that have not been revoked."""
        return [p for p in self.permits if p.get("valid")]


@attrs.frozen(eq=True, hash=False)
class Event:
    """One recorded fact of the log.

    ``occurred_at`` is the business time of the step (``at=``);
    ``recorded_at`` when the log wrote it. Both are timezone-aware (UTC).

    .. versionadded:: 0.1
    """

    position: int
    stream_id: str
    version: int
    type: str
    actor: Actor
    payload: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    schema_version: int = 1
    idempotency_key: str | None = None
    prev_hash: str = ""
    hash: str = ""
