"""Distributions of days for the steps of a simulation, and the error a
malformed scenario raises. Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, TypeAlias

import attrs

from nhvflow.errors import NhvflowError

__all__ = [
    "Distribution",
    "Fixed",
    "LogNormal",
    "ScenarioError",
    "Triangular",
    "distribution",
    "number",
]


class ScenarioError(NhvflowError, ValueError):
    """A scenario is malformed; ``field`` names the offending field as a
    dotted path (``"outcomes.recommends_nhv"``, ``"durations.basis.sigma"``).

    .. versionadded:: 0.1
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"scenario field {field!r}: {message}")


def number(field: str, value: object, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(field, f"must be a number of days (got {value!r}).")
    if value < minimum:
        raise ScenarioError(field, f"must be at least {minimum:g} (got {value!r}).")
    return float(value)


@attrs.frozen
class Fixed:
    """Always the same number of days.

    .. versionadded:: 0.1
    """

    days: float

    def __attrs_post_init__(self) -> None:
        number("days", self.days)

    def draw(self, rng: random.Random) -> int:
        """Whole days (the business clock moves in days)."""
        return round(self.days)

    def to_dict(self) -> dict[str, Any]:
        """The distribution as a TOML/JSON table."""
        return {"kind": "fixed", "days": self.days}


@attrs.frozen
class Triangular:
    """Between ``low`` and ``high`` days, most often ``mode``.

    .. versionadded:: 0.1
    """

    low: float
    mode: float
    high: float

    def __attrs_post_init__(self) -> None:
        for name in ("low", "mode", "high"):
            number(name, getattr(self, name))
        if not self.low <= self.mode <= self.high:
            raise ScenarioError(
                "mode",
                f"needs low <= mode <= high (got low={self.low:g}, mode={self.mode:g}, "
                f"high={self.high:g}).",
            )

    def draw(self, rng: random.Random) -> int:
        """Whole days (the business clock moves in days)."""
        return round(rng.triangular(self.low, self.high, self.mode))

    def to_dict(self) -> dict[str, Any]:
        """The distribution as a TOML/JSON table."""
        return {"kind": "triangular", "low": self.low, "mode": self.mode, "high": self.high}


@attrs.frozen
class LogNormal:
    """Log-normally distributed days: half take less than ``median``;
    ``sigma`` is the spread of the logarithm (0.5: the slowest tenth take
    about twice the median).

    .. versionadded:: 0.1
    """

    median: float
    sigma: float

    def __attrs_post_init__(self) -> None:
        number("median", self.median, minimum=1e-9)
        number("sigma", self.sigma)

    def draw(self, rng: random.Random) -> int:
        """Whole days (the business clock moves in days)."""
        return round(rng.lognormvariate(math.log(self.median), self.sigma))

    def to_dict(self) -> dict[str, Any]:
        """The distribution as a TOML/JSON table."""
        return {"kind": "lognormal", "median": self.median, "sigma": self.sigma}


Distribution: TypeAlias = Fixed | Triangular | LogNormal
"""A distribution of days: :class:`Fixed`, :class:`Triangular` or :class:`LogNormal`."""

_KINDS: dict[str, type[Fixed] | type[Triangular] | type[LogNormal]] = {
    "fixed": Fixed,
    "triangular": Triangular,
    "lognormal": LogNormal,
}


def distribution(field: str, value: object) -> Distribution:
    if isinstance(value, Fixed | Triangular | LogNormal):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Fixed(number(field, value))
    if not isinstance(value, Mapping):
        raise ScenarioError(
            field,
            "must be a number of days or a table such as "
            '{ kind = "triangular", low = 10, mode = 30, high = 90 } or '
            '{ kind = "lognormal", median = 60, sigma = 0.5 } '
            f"(got {value!r}).",
        )
    kind = value.get("kind")
    if kind not in _KINDS:
        raise ScenarioError(
            f"{field}.kind", f"must be one of {', '.join(map(repr, _KINDS))} (got {kind!r})."
        )
    cls = _KINDS[kind]
    names = [a.name for a in attrs.fields(cls)]
    extra = sorted(set(value) - {"kind", *names})
    if extra:
        raise ScenarioError(
            f"{field}.{extra[0]}", f"is not a parameter of {kind!r}; it takes {', '.join(names)}."
        )
    missing = [n for n in names if n not in value]
    if missing:
        raise ScenarioError(f"{field}.{missing[0]}", f"is required for kind {kind!r}.")
    try:
        return cls(**{n: number(f"{field}.{n}", value[n]) for n in names})
    except ScenarioError as exc:
        if exc.field.startswith(field):
            raise
        raise ScenarioError(f"{field}.{exc.field}", exc.reason) from None
