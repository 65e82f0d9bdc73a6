"""The population a simulation pushes through the process: :class:`Scenario`
and its parts (programme areas, step durations, outcome probabilities),
built in Python or loaded from a TOML file, and validated with errors that
name the field.

Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from nhvflow.model import Region
from nhvflow.rules._nhv_base import marked_pilot
from nhvflow.rules.kc import FINANCING_FORMS
from nhvflow.simulate._areas import (
    DEFAULT_AREAS,
    DEFAULT_REGION_WEIGHTS,
    ProgrammeArea,
    region_weights,
)
from nhvflow.simulate._days import (
    Distribution,
    Fixed,
    LogNormal,
    ScenarioError,
    Triangular,
    distribution,
    number,
)
from nhvflow.simulate._regimes import SIMULATED_PROCESSES

__all__ = ["SIMULATED_PROCESSES", "Durations", "Outcomes", "Scenario"]


# -- the parts of a scenario -------------------------------------------------------------


def _field_error(path: str) -> Callable[[Exception], ScenarioError]:
    def wrap(exc: Exception) -> ScenarioError:
        if isinstance(exc, ScenarioError):
            return ScenarioError(f"{path}.{exc.field}" if path else exc.field, exc.reason)
        return ScenarioError(path, str(exc))

    return wrap


def _probability(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0.0 <= float(value) <= 1.0:  # type: ignore[arg-type]
        raise ScenarioError(
            attribute.name, f"must be a probability between 0 and 1 (got {value!r})."
        )


def _weights(lowest: int, highest: int) -> Callable[[object], dict[int, float]]:
    def convert(value: object) -> dict[int, float]:
        if not isinstance(value, Mapping) or not value:
            raise ScenarioError("", f"must be a table of count = weight (got {value!r}).")
        out: dict[int, float] = {}
        for key, weight in value.items():
            try:
                count = int(key)
            except (TypeError, ValueError):
                raise ScenarioError(str(key), "must be a whole number.") from None
            if not lowest <= count <= highest:
                raise ScenarioError(str(key), f"must be {lowest} to {highest}.")
            out[count] = number(str(key), weight)
        if not sum(out.values()) > 0:
            raise ScenarioError("", "needs at least one positive weight.")
        return dict(sorted(out.items()))

    return convert


def _wrap_weights(name: str, lowest: int, highest: int) -> Callable[[object], dict[int, float]]:
    inner = _weights(lowest, highest)

    def convert(value: object) -> dict[int, float]:
        try:
            return inner(value)
        except ScenarioError as exc:
            raise ScenarioError(f"{name}.{exc.field}" if exc.field else name, exc.reason) from None

    return convert


def _is_distribution(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Fixed | Triangular | LogNormal):
        raise ScenarioError(
            attribute.name, f"must be Fixed, Triangular or LogNormal (got {value!r})."
        )


def _days(default: Distribution) -> Any:
    return attrs.field(default=default, validator=_is_distribution)


@attrs.frozen
class Durations:
    """How many days each step takes (each a :data:`Distribution`).

    ``appoint``: from the proposal (or from the end of the mapping pause) to
    the expert group; ``recompose``: a new group after a refused one;
    ``basis``: the expert group's work; ``open_consultation`` and
    ``consultation``: to the remiss and its length; ``decision``: from the
    prepared case to step 4; ``closure``: from a refused decision to closing
    the proposal; ``withdrawal``: from a negative basis to the NPO's
    withdrawal; ``application``: from the decision to each region's
    application; ``board_preparation``: from the end of the application
    window (or a referral) to the board's papers; ``board``: the board's
    decision; ``follow_up``: days into the next year before a holder reports
    the year; ``evaluation``: from the last follow-up to Socialstyrelsen's
    evaluation.

    .. versionadded:: 0.1
    """

    appoint: Distribution = _days(Triangular(14, 45, 120))
    recompose: Distribution = _days(Triangular(7, 21, 60))
    basis: Distribution = _days(LogNormal(240, 0.35))
    open_consultation: Distribution = _days(Triangular(7, 21, 60))
    consultation: Distribution = _days(Triangular(45, 60, 90))
    decision: Distribution = _days(Triangular(30, 60, 150))
    closure: Distribution = _days(Triangular(1, 14, 45))
    withdrawal: Distribution = _days(Triangular(7, 30, 90))
    application: Distribution = _days(Triangular(10, 55, 110))
    board_preparation: Distribution = _days(Triangular(14, 45, 90))
    board: Distribution = _days(Triangular(30, 60, 120))
    follow_up: Distribution = _days(Triangular(15, 60, 120))
    evaluation: Distribution = _days(Triangular(30, 90, 180))

    def to_dict(self) -> dict[str, Any]:
        """Every duration as a TOML/JSON table."""
        return {a.name: getattr(self, a.name).to_dict() for a in attrs.fields(Durations)}


def _unit_weights(value: object) -> dict[int, float]:
    return _wrap_weights("units", 1, 9)(value)


def _applicant_weights(value: object) -> dict[int, float]:
    return _wrap_weights("applicants", 0, len(Region))(value)


def _financing_weights(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise ScenarioError("financing", f"must be a table of form = weight (got {value!r}).")
    out: dict[str, float] = {}
    for form, weight in value.items():
        if form not in FINANCING_FORMS:
            raise ScenarioError(
                f"financing.{form}",
                f"is not a form of financing; the report's three are {', '.join(FINANCING_FORMS)}.",
            )
        out[form] = number(f"financing.{form}", weight)
    if not sum(out.values()) > 0:
        raise ScenarioError("financing", "needs at least one positive weight.")
    return {form: out[form] for form in FINANCING_FORMS if form in out}


@attrs.frozen
class Outcomes:
    """The probabilities of the actors' choices (each 0 to 1) and the
    weights of counts.

    ``recommends_nhv``: the basis recommends NHV; ``decide_when_recommended``
    / ``decide_when_not_recommended``: Socialstyrelsen decides NHV rather
    than rejecting; ``withdraw_when_not_recommended``: the NPO withdraws
    after a negative basis; ``units``: weights of the number of units the
    basis proposes (1 to 9; above five the decision is refused and
    Socialstyrelsen decides five); ``applicants``: weights of how many
    regions apply (0 to 21); ``board_grants``: the board grants rather than
    referring back, per round, for at most ``board_rounds`` rounds;
    ``knowledge_spreading_need``: the basis records the need (always, for a
    proposal with an advisory mission); ``special_conditions``: the board
    wants special knowledge-spreading conditions on a permit;
    ``flawed_expert_group``: the first group proposed breaks a criterion.

    Under ``kc-proposal`` (see docs/simulations.md for the whole mapping):
    ``financing``: weights of the report's three forms of financing
    (``state_grant``, ``procurement``, ``agency``); ``multi_year_grant``:
    Socialstyrelsen first asks for a state grant over three years without
    the Riksdag's authorisation. Under ``no-competence-service``:
    ``enterprise_supports``: each of the other three health enterprises
    supports an initiative; ``permanent_service``: the ministry approves
    the service as permanent (no wind-down); ``goals_met``: an annual report
    says the plan's goals are met (once met, they stay met).

    .. versionadded:: 0.1
    """

    recommends_nhv: float = attrs.field(default=0.6, validator=_probability)
    decide_when_recommended: float = attrs.field(default=0.9, validator=_probability)
    decide_when_not_recommended: float = attrs.field(default=0.05, validator=_probability)
    withdraw_when_not_recommended: float = attrs.field(default=0.3, validator=_probability)
    units: dict[int, float] = attrs.field(
        factory=lambda: {1: 0.2, 2: 0.3, 3: 0.25, 4: 0.1, 5: 0.07, 6: 0.05, 7: 0.03},
        converter=_unit_weights,
    )
    applicants: dict[int, float] = attrs.field(
        factory=lambda: {0: 0.05, 1: 0.15, 2: 0.25, 3: 0.25, 4: 0.15, 5: 0.1, 6: 0.05},
        converter=_applicant_weights,
    )
    board_grants: float = attrs.field(default=0.9, validator=_probability)
    board_rounds: int = 3
    knowledge_spreading_need: float = attrs.field(default=0.3, validator=_probability)
    special_conditions: float = attrs.field(default=0.25, validator=_probability)
    flawed_expert_group: float = attrs.field(default=0.1, validator=_probability)
    financing: dict[str, float] = attrs.field(
        factory=lambda: {"state_grant": 0.5, "procurement": 0.3, "agency": 0.2},
        converter=_financing_weights,
    )
    multi_year_grant: float = attrs.field(default=0.3, validator=_probability)
    enterprise_supports: float = attrs.field(default=0.95, validator=_probability)
    permanent_service: float = attrs.field(default=0.15, validator=_probability)
    goals_met: float = attrs.field(default=0.3, validator=_probability)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.board_rounds, bool) or not isinstance(self.board_rounds, int):
            raise ScenarioError(
                "board_rounds", f"must be a whole number (got {self.board_rounds!r})."
            )
        if self.board_rounds < 1:
            raise ScenarioError("board_rounds", f"must be at least 1 (got {self.board_rounds}).")

    def to_dict(self) -> dict[str, Any]:
        """The outcomes as a TOML/JSON table (count keys as strings)."""
        out = attrs.asdict(self)
        out["units"] = {str(k): v for k, v in self.units.items()}
        out["applicants"] = {str(k): v for k, v in self.applicants.items()}
        return out


def _day(field: str) -> Callable[[object], date]:
    def convert(value: object) -> date:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        raise ScenarioError(field, f"must be a date such as 2019-06-30 (got {value!r}).")

    return convert


def _optional_day(field: str) -> Callable[[object], date | None]:
    inner = _day(field)

    def convert(value: object) -> date | None:
        if value is None or value == "never":
            return None
        try:
            return inner(value)
        except ScenarioError:
            raise ScenarioError(
                field, f'must be a date such as 2019-06-30, or "never" (got {value!r}).'
            ) from None

    return convert


def _start_day(value: object) -> date:
    return _day("start")(value)


def _mapping_day(value: object) -> date | None:
    return _optional_day("mapping_completed")(value)


def _process(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in SIMULATED_PROCESSES:
        raise ScenarioError(
            "process",
            f"{value!r} cannot be simulated; the simulated regimes are "
            f"{', '.join(map(repr, SIMULATED_PROCESSES))}.",
        )


def _share(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _probability(instance, attribute, value)


def _area_tuple(value: object) -> tuple[ProgrammeArea, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ScenarioError(
            "programme_areas", f"must be a list of ProgrammeArea (got {type(value).__name__})."
        )
    return tuple(value)


_CALENDAR_MARGIN = 100
"""Years a simulated case may take beyond its submission and follow-ups
before the run is refused for running off the calendar (a case's steps
draw their days from distributions with no upper bound)."""


def _reach(days: Distribution) -> float:
    """The most days a draw takes, but for one in millions (a log-normal's
    median and five spreads of its logarithm)."""
    if isinstance(days, Fixed):
        return days.days
    if isinstance(days, Triangular):
        return days.high
    return days.median * math.exp(5 * days.sigma)


def _check_reach(durations: Durations, board_rounds: int) -> None:
    """A case's steps, each at its reach (the board's as often as it may
    refer back), fit in the calendar's margin past the follow-ups."""
    reach = {a.name: _reach(getattr(durations, a.name)) for a in attrs.fields(Durations)}
    total = sum(reach.values()) + (board_rounds - 1) * (reach["board_preparation"] + reach["board"])
    if total > _CALENDAR_MARGIN * 365:
        name = max(reach, key=lambda n: reach[n])
        raise ScenarioError(
            f"durations.{name}",
            f"reaches {reach[name]:,.0f} days, and a case's steps together {total:,.0f}: more "
            f"than the {_CALENDAR_MARGIN} years the calendar leaves a case; shorten it.",
        )


@attrs.frozen
class Scenario:
    """A population of proposals and how the actors treat them.

    All fields have defaults drawn from Socialstyrelsen's page and report where
    they say something
    (the programme areas and pilots, "över 250 förslag") and documented
    assumptions elsewhere (docs/simulations.md). Build one in Python
    (``Scenario(proposals=1000)``, ``attrs.evolve(...)``) or load one with
    :meth:`from_toml`; a bad value raises :class:`ScenarioError` naming the
    field.

    ``process`` selects the regime: ``"nhv"`` (the law in force, the
    default), ``"kc-proposal"`` (the proposed competence-centre system) or
    ``"no-competence-service"`` (Norway's national competence services);
    the same population maps onto each (docs/simulations.md). ``start``
    and ``submission_days``: proposals arrive as a Poisson stream over that
    many days from ``start`` (every one of them within it). ``mapping_completed``: the
    day the overall mapping was recorded as done (no new expert groups
    before it, pilots excepted); ``None`` if it never is within the
    simulation. ``advisory_only_share``: proposals that ask only for an
    advisory mission (no care measures); ``advisory_with_care_share``:
    proposals that ask for an advisory mission beside care measures.
    ``follow_up_years``: annual follow-ups each permit holder reports
    before Socialstyrelsen evaluates. ``regions``: how likely each region
    is to apply (by member name; a region not named keeps its default).

    .. versionadded:: 0.1
    """

    process: str = attrs.field(default="nhv", validator=_process)
    proposals: int = 250
    start: date = attrs.field(default=date(2018, 9, 3), converter=_start_day)
    submission_days: int = 365
    mapping_completed: date | None = attrs.field(default=date(2020, 3, 31), converter=_mapping_day)
    advisory_only_share: float = attrs.field(default=0.2, validator=_share)
    advisory_with_care_share: float = attrs.field(default=0.1, validator=_share)
    follow_up_years: int = 3
    programme_areas: tuple[ProgrammeArea, ...] = attrs.field(
        default=DEFAULT_AREAS, converter=_area_tuple
    )
    regions: dict[str, float] = attrs.field(
        factory=lambda: dict(DEFAULT_REGION_WEIGHTS), converter=region_weights
    )
    durations: Durations = attrs.field(factory=Durations)
    outcomes: Outcomes = attrs.field(factory=Outcomes)

    def __attrs_post_init__(self) -> None:
        _whole("proposals", self.proposals, 1)
        _whole("submission_days", self.submission_days, 1)
        _whole("follow_up_years", self.follow_up_years, 0)
        if self.start < date(2018, 7, 1):
            raise ScenarioError(
                "start",
                f"{self.start} is before 2018-07-01, when the NHV system came into force.",
            )
        room = date.max.year - 2018 - _CALENDAR_MARGIN  # years from the earliest start
        if self.follow_up_years > room:
            raise ScenarioError(
                "follow_up_years", f"{self.follow_up_years} years run past 9999; at most {room}."
            )
        if self.submission_days // 365 + 1 > room - self.follow_up_years:
            most = (room - self.follow_up_years) * 365 - 1
            raise ScenarioError(
                "submission_days",
                f"{self.submission_days} days, with {self.follow_up_years} years of follow-ups, "
                f"run past 9999; at most {most}.",
            )
        latest = date.max.year - _CALENDAR_MARGIN - self.follow_up_years
        latest -= self.submission_days // 365 + 1
        if self.start.year > latest:
            raise ScenarioError(
                "start",
                f"{self.start} leaves the simulated clock too little of the calendar: cases "
                f"submitted over {self.submission_days} days from it, with "
                f"{self.follow_up_years} years of follow-ups, would run past 9999-12-31; "
                f"start in {latest} or before.",
            )
        if self.mapping_completed is not None and self.mapping_completed.year > latest:
            raise ScenarioError(
                "mapping_completed",
                f"{self.mapping_completed} leaves the cases that wait for it too little of the "
                f"calendar; record it in {latest} or before, or never.",
            )
        if self.advisory_only_share + self.advisory_with_care_share > 1.0:
            raise ScenarioError(
                "advisory_with_care_share",
                f"advisory_only_share + advisory_with_care_share is "
                f"{self.advisory_only_share + self.advisory_with_care_share:g}; they are shares "
                "of one population and add up to at most 1.",
            )
        if not self.programme_areas:
            raise ScenarioError("programme_areas", "needs at least one programme area.")
        for i, area in enumerate(self.programme_areas):
            if not isinstance(area, ProgrammeArea):
                raise ScenarioError(f"programme_areas[{i}]", "must be a ProgrammeArea.")
            marked = marked_pilot(area.name)
            if self.process == "nhv" and marked and not area.pilot:
                raise ScenarioError(
                    f"programme_areas[{i}].pilot",
                    f"Socialstyrelsen's page marks {area.name!r} a pilot: under nhv its "
                    "proposals are pilots whatever a scenario says (pilot status is the "
                    "registry's); set pilot = true.",
                )
        if not sum(a.weight for a in self.programme_areas) > 0:
            raise ScenarioError("programme_areas", "needs at least one positive weight.")
        if not isinstance(self.durations, Durations):
            raise ScenarioError("durations", "must be a Durations.")
        if not isinstance(self.outcomes, Outcomes):
            raise ScenarioError("outcomes", "must be an Outcomes.")
        _check_reach(self.durations, self.outcomes.board_rounds)

    # -- loading and saving ----------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a scenario from a TOML file; missing fields keep their defaults.

        Raises :class:`ScenarioError` naming the field for a bad value, and
        for a file that is not TOML (field ``"file"``)."""
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError("file", f"{path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ScenarioError("file", f"cannot read {path}: {exc.strerror or exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build a scenario from a mapping as TOML gives it (the shape of
        :meth:`to_dict`); missing fields keep their defaults."""
        if not isinstance(data, Mapping):
            raise ScenarioError("", f"must be a table (got {type(data).__name__}).")
        known = {a.name for a in attrs.fields(cls)}
        _no_unknown("", data, known)
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if "programme_areas" in data:
            kwargs["programme_areas"] = _areas(data["programme_areas"])
        if "durations" in data:
            kwargs["durations"] = _table(Durations, "durations", data["durations"], distribution)
        if "outcomes" in data:
            kwargs["outcomes"] = _table(Outcomes, "outcomes", data["outcomes"], None)
        if "regions" in data:
            kwargs["regions"] = data["regions"]
        try:
            return cls(**kwargs)
        except ScenarioError:
            raise
        except (TypeError, ValueError) as exc:
            raise ScenarioError("", str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a TOML/JSON-ready dict (``from_dict`` reads it back)."""
        return {
            "process": self.process,
            "proposals": self.proposals,
            "start": self.start.isoformat(),
            "submission_days": self.submission_days,
            "mapping_completed": (
                self.mapping_completed.isoformat() if self.mapping_completed else "never"
            ),
            "advisory_only_share": self.advisory_only_share,
            "advisory_with_care_share": self.advisory_with_care_share,
            "follow_up_years": self.follow_up_years,
            "programme_areas": [
                {"name": a.name, "weight": a.weight, "pilot": a.pilot, "titles": list(a.titles)}
                for a in self.programme_areas
            ],
            "regions": dict(self.regions),
            "durations": self.durations.to_dict(),
            "outcomes": self.outcomes.to_dict(),
        }


def _whole(field: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(field, f"must be a whole number (got {value!r}).")
    if value < minimum:
        raise ScenarioError(field, f"must be at least {minimum} (got {value}).")


def _no_unknown(path: str, data: Mapping[str, Any], known: set[str]) -> None:
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise ScenarioError(
                where, f"is not a scenario field; known here: {', '.join(sorted(known))}."
            )


def _table(
    cls: type[Any], path: str, data: object, convert: Callable[[str, object], Any] | None
) -> Any:
    if not isinstance(data, Mapping):
        raise ScenarioError(path, f"must be a table (got {data!r}).")
    known = {a.name for a in attrs.fields(cls)}
    _no_unknown(path, data, known)
    values = {k: (convert(f"{path}.{k}", v) if convert is not None else v) for k, v in data.items()}
    try:
        return cls(**values)
    except ScenarioError as exc:
        raise _field_error(path)(exc) from None
    except (TypeError, ValueError) as exc:
        raise ScenarioError(path, str(exc)) from None


def _areas(value: object) -> tuple[ProgrammeArea, ...]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(
            "programme_areas", "must be a non-empty array of tables ([[programme_areas]])."
        )
    areas = []
    for i, item in enumerate(value):
        path = f"programme_areas[{i}]"
        if not isinstance(item, Mapping):
            raise ScenarioError(path, f"must be a table (got {item!r}).")
        if "name" not in item:
            raise ScenarioError(f"{path}.name", "is required.")
        areas.append(_table(ProgrammeArea, path, item, None))
    return tuple(areas)
