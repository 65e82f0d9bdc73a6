"""Who proposes and who applies in a simulation: the programme areas
(:class:`ProgrammeArea`, with the defaults from Socialstyrelsen's page) and how likely
each region is to apply. Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from nhvflow.model import PROGRAMME_AREAS, Region
from nhvflow.simulate._days import ScenarioError, number

__all__ = ["DEFAULT_AREAS", "DEFAULT_REGION_WEIGHTS", "ProgrammeArea", "region_weights"]


def _titles(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ScenarioError("titles", f"must be a list of titles (got {value!r}).")
    return tuple(value)


@attrs.frozen
class ProgrammeArea:
    """A national programme area (NPO) that sends proposals.

    ``weight`` is its share of the proposals relative to the other areas;
    every proposal from a ``pilot`` area is a pilot (its expert group is not
    held back by the pause before the overall mapping). ``titles`` name its
    proposals (cycled); without them proposals are numbered.

    .. versionadded:: 0.1
    """

    name: str
    weight: float = 1.0
    pilot: bool = False
    titles: tuple[str, ...] = attrs.field(default=(), converter=_titles)

    def __attrs_post_init__(self) -> None:
        name: object = self.name
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError("name", f"must be a non-empty string (got {self.name!r}).")
        number("weight", self.weight)
        pilot: object = self.pilot
        if not isinstance(pilot, bool):
            raise ScenarioError("pilot", f"must be true or false (got {self.pilot!r}).")
        titles: tuple[object, ...] = self.titles
        if not all(isinstance(t, str) and t.strip() for t in titles):
            raise ScenarioError("titles", "must be non-empty strings.")

    def title(self, number: int) -> str:
        """The title of this area's ``number``-th proposal (from 1)."""
        if self.titles:
            base = self.titles[(number - 1) % len(self.titles)]
            rounds = (number - 1) // len(self.titles)
            return base if rounds == 0 else f"{base} ({rounds + 1})"
        return f"{self.name}: förslag {number}"


_PILOT_WOMEN = (
    "Avancerad kirurgi vid endometrios",
    "Trofoblastsjukdomar",
    "Avancerad fostermedicin",
    "Gravida med svår maternell sjukdom",
    "Avancerad rekonstruktionskirurgi",
    "Genetisk diagnostik och rådgivning i relation till reproduktion",
)
_PILOT_NERVES = (
    "Avancerad behandling av Parkinsons sjukdom",
    "Ryggmärgsskadevård",
    "Moya-Moya cadasil",
)

DEFAULT_AREAS: tuple[ProgrammeArea, ...] = (
    ProgrammeArea("Kvinnosjukdomar och förlossning", pilot=True, titles=_PILOT_WOMEN),
    ProgrammeArea("Nervsystemets sjukdomar", pilot=True, titles=_PILOT_NERVES),
    ProgrammeArea("Psykisk Hälsa", titles=("Självskadebeteende", "Könsdysfori")),
    *(ProgrammeArea(name) for name in PROGRAMME_AREAS[3:]),  # after the pilots and Psykisk Hälsa
    ProgrammeArea(
        "Reumatiska sjukdomar",
        titles=("Nationella kompetenscentrum för inflammatoriska systemsjukdomar",),
    ),
)
"""The programme areas on Socialstyrelsen's page (webbsidan Nationell
högspecialiserad vård, 2019: the two pilots, Psykisk Hälsa and the sixteen
others) and NPO Reumatiska sjukdomar (Socialstyrelsen, Förutsättningar för
kompetenscentrum, 2019), with equal weights."""

_UNIVERSITY_REGIONS = (
    Region.STOCKHOLM,
    Region.UPPSALA,
    Region.OSTERGOTLAND,
    Region.VASTRA_GOTALAND,
    Region.SKANE,
    Region.VASTERBOTTEN,
    Region.OREBRO,
)

DEFAULT_REGION_WEIGHTS: dict[str, float] = {
    r.name: (6.0 if r in _UNIVERSITY_REGIONS else 1.0) for r in Region
}
"""How likely each region is to apply for a permit: the seven regions with a
university hospital six times as likely as the others (an assumption)."""


def region_weights(value: object) -> dict[str, float]:
    """The weight of every region: those ``value`` names, the others'
    defaults (:data:`DEFAULT_REGION_WEIGHTS`), alike in Python and in TOML."""
    if not isinstance(value, Mapping) or not value:
        raise ScenarioError("regions", f"must be a table of REGION = weight (got {value!r}).")
    out: dict[str, float] = dict(DEFAULT_REGION_WEIGHTS)
    for key, weight in value.items():
        try:
            region = Region.parse(key)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"regions.{key}", str(exc)) from None
        out[region.name] = number(f"regions.{key}", weight)
    if not sum(out.values()) > 0:
        raise ScenarioError("regions", "needs at least one positive weight.")
    return {r.name: out[r.name] for r in Region if r.name in out}
