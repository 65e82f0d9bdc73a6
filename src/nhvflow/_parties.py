"""Who takes part: the roles of the process, Sweden's six healthcare
regions and its 21 regions (huvudmän) with the healthcare regions each
belongs to. Re-exported by :mod:`nhvflow.model`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import unicodedata

from nhvflow.errors import InvalidPayload, shown


def text_key(name: str) -> str:
    """A name as nhvflow compares names (programme areas, regions, professions,
    experts): Unicode NFC, case folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


class Role(enum.Enum):
    """The parties of the processes; each step names the role responsible.

    .. versionadded:: 0.1
    """

    NPO = "npo"
    """A national programme area (nationellt programområde)."""
    SOCIALSTYRELSEN = "socialstyrelsen"
    """The National Board of Health and Welfare."""
    EXPERT_GROUP = "expert_group"
    """The expert group (sakkunniggrupp) appointed for one case."""
    REGION = "region"
    """A region (huvudman, formerly landsting), acting for itself."""
    BOARD = "board"
    """Nämnden för nationell högspecialiserad vård, which grants permits."""
    HEALTH_ENTERPRISE = "health_enterprise"
    """One of Norway's four regional health enterprises."""
    DIRECTORATE = "directorate"
    """Helsedirektoratet (Norway)."""
    MINISTRY = "ministry"
    """Helse- og omsorgsdepartementet (Norway)."""
    PROVIDER = "provider"
    """A healthcare provider in an EU country (ERN applicant)."""
    MEMBER_STATE = "member_state"
    """The EU Member State of a provider."""
    COMMISSION = "commission"
    """The European Commission."""
    COORDINATOR = "coordinator"
    """A European Reference Network's coordinator."""
    ASSESSMENT_BODY = "assessment_body"
    """The independent body that assesses ERN applications."""
    ERN_BOARD = "ern_board"
    """The ERN Board of Member States."""


class _SwedishNamed(enum.Enum):
    """An enumeration whose values are the members' Swedish names."""

    @property
    def swedish_name(self) -> str:
        """The Swedish name, e.g. ``"Region Skåne"`` or ``"Södra sjukvårdsregionen"``."""
        return str(self.value)


class HealthcareRegion(_SwedishNamed):
    """The six healthcare regions (sjukvårdsregioner; samverkansregioner in
    the act since 2020).

    .. versionadded:: 0.1
    """

    NORRA = "Norra sjukvårdsregionen"
    MELLANSVERIGE = "Sjukvårdsregion Mellansverige"
    STOCKHOLM_GOTLAND = "Sjukvårdsregion Stockholm-Gotland"
    SYDOSTRA = "Sydöstra sjukvårdsregionen"
    VASTRA = "Västra sjukvårdsregionen"
    SODRA = "Södra sjukvårdsregionen"

    @property
    def regions(self) -> frozenset[Region]:
        """The regions (huvudmän) that belong, wholly or in part, to it."""
        return frozenset(r for r in Region if self in r.healthcare_regions)


class Region(_SwedishNamed):
    """The 21 regions (huvudmän), each with its Swedish name and the
    healthcare region(s) it belongs to.

    Region Halland belongs to two: its northern municipalities to Västra,
    its southern to Södra.

    .. versionadded:: 0.1
    """

    STOCKHOLM = "Region Stockholm"
    UPPSALA = "Region Uppsala"
    SORMLAND = "Region Sörmland"
    OSTERGOTLAND = "Region Östergötland"
    JONKOPING = "Region Jönköpings län"
    KRONOBERG = "Region Kronoberg"
    KALMAR = "Region Kalmar län"
    GOTLAND = "Region Gotland"
    BLEKINGE = "Region Blekinge"
    SKANE = "Region Skåne"
    HALLAND = "Region Halland"
    VASTRA_GOTALAND = "Västra Götalandsregionen"
    VARMLAND = "Region Värmland"
    OREBRO = "Region Örebro län"
    VASTMANLAND = "Region Västmanland"
    DALARNA = "Region Dalarna"
    GAVLEBORG = "Region Gävleborg"
    VASTERNORRLAND = "Region Västernorrland"
    JAMTLAND_HARJEDALEN = "Region Jämtland Härjedalen"
    VASTERBOTTEN = "Region Västerbotten"
    NORRBOTTEN = "Region Norrbotten"

    @property
    def healthcare_regions(self) -> frozenset[HealthcareRegion]:
        """The healthcare region(s) this region belongs to."""
        return _HEALTHCARE_REGIONS[self]

    @classmethod
    def parse(cls, value: Region | str) -> Region:
        """Accept a :class:`Region`, its member name (``"SKANE"``) or its
        Swedish name (``"Region Skåne"``), case-insensitively; anything else
        is :class:`~nhvflow.errors.InvalidPayload` naming ``region``."""
        if isinstance(value, Region):
            return value
        if isinstance(value, str):
            exact = _BY_TEXT.get(value)  # as the log and most callers spell it
            if exact is not None:
                return exact
            key = value.strip()
            if key.upper() in cls.__members__:
                return cls[key.upper()]
            for region in cls:
                if text_key(region.value) == text_key(key):
                    return region
            raise InvalidPayload(
                "region",
                f"{shown(value)} is not one of the 21 regions; use a Region member such as "
                "Region.SKANE, its name 'SKANE' or its Swedish name 'Region Skåne'.",
            )
        raise InvalidPayload("region", f"expected a Region or its name, got {type(value).__name__}")


_BY_TEXT: dict[str, Region] = {
    **{region.value: region for region in Region},
    **{region.name: region for region in Region},
}
"""Each region by its member name and by its Swedish name, exactly."""

_H = HealthcareRegion
_HEALTHCARE_REGIONS: dict[Region, frozenset[HealthcareRegion]] = {
    Region.NORRBOTTEN: frozenset({_H.NORRA}),
    Region.VASTERBOTTEN: frozenset({_H.NORRA}),
    Region.VASTERNORRLAND: frozenset({_H.NORRA}),
    Region.JAMTLAND_HARJEDALEN: frozenset({_H.NORRA}),
    Region.UPPSALA: frozenset({_H.MELLANSVERIGE}),
    Region.SORMLAND: frozenset({_H.MELLANSVERIGE}),
    Region.VARMLAND: frozenset({_H.MELLANSVERIGE}),
    Region.OREBRO: frozenset({_H.MELLANSVERIGE}),
    Region.VASTMANLAND: frozenset({_H.MELLANSVERIGE}),
    Region.DALARNA: frozenset({_H.MELLANSVERIGE}),
    Region.GAVLEBORG: frozenset({_H.MELLANSVERIGE}),
    Region.STOCKHOLM: frozenset({_H.STOCKHOLM_GOTLAND}),
    Region.GOTLAND: frozenset({_H.STOCKHOLM_GOTLAND}),
    Region.OSTERGOTLAND: frozenset({_H.SYDOSTRA}),
    Region.JONKOPING: frozenset({_H.SYDOSTRA}),
    Region.KALMAR: frozenset({_H.SYDOSTRA}),
    Region.VASTRA_GOTALAND: frozenset({_H.VASTRA}),
    Region.HALLAND: frozenset({_H.VASTRA, _H.SODRA}),
    Region.SKANE: frozenset({_H.SODRA}),
    Region.BLEKINGE: frozenset({_H.SODRA}),
    Region.KRONOBERG: frozenset({_H.SODRA}),
}
