"""Hypothesis strategies for the values a step names: regions, actors,
experts, expert groups and proposals (public through :mod:`nhvflow.testing`).

The data are Swedish and come from Socialstyrelsen's sources where they can:
the programme areas and the pilots' care areas are those on Socialstyrelsen's
page (webbsidan Nationell högspecialiserad vård, 2019, "Nationella
programområden").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from nhvflow.errors import InvalidPayload, shown
from nhvflow.fixtures import CRITERIA
from nhvflow.model import (
    PROGRAMME_AREAS,
    Actor,
    Expert,
    Gender,
    HealthcareRegion,
    Region,
    Role,
)
from nhvflow.rules._nhv_base import marked_pilot
from nhvflow.rules.nhv import DEFAULT_PILOT_AREAS
from nhvflow.simulate import DEFAULT_AREAS

__all__ = [
    "CARE_AREAS",
    "CRITERIA",
    "PROFESSIONS",
    "PROGRAMME_AREAS",
    "actors",
    "care_measures",
    "expert_groups",
    "experts",
    "proposals",
    "regions",
    "texts",
]

CARE_AREAS: dict[str, tuple[str, ...]] = {
    area.name: area.titles for area in DEFAULT_AREAS if area.titles and area.name in PROGRAMME_AREAS
}
"""The care areas proposed by the pilot programme areas and Psykisk hälsa (the NHV page):
the titles the simulation's default programme areas
(:data:`nhvflow.simulate.DEFAULT_AREAS`) give the areas on that page."""

PROFESSIONS = (
    "läkare",
    "sjuksköterska",
    "fysioterapeut",
    "forskare",
    "psykolog",
    "arbetsterapeut",
    "barnmorska",
    "logoped",
    "kurator",
    "dietist",
)
"""Professions an expert group draws on (patient representatives aside)."""

_FIRST = ("Anna", "Björn", "Cecilia", "David", "Eva", "Fredrik", "Greta", "Hassan", "Ida",
          "Johan", "Karin", "Leila", "Magnus", "Nils", "Olivia", "Per", "Sara", "Tove")  # fmt: skip
_LAST = ("Berg", "Lind", "Ek", "Holm", "Sjö", "Ström", "Åkesson", "Öberg", "Nilsson",
         "Karlsson", "Ali", "Lindqvist", "Wikström", "Jonsson", "Sandberg", "Nyström")  # fmt: skip
_NAMES = tuple(f"{f} {last}" for f in _FIRST for last in _LAST)
_STRIDE = 17  # coprime to len(_NAMES) == 288, so that a group's names are distinct
_MEASURES = (
    "Djup hjärnstimulering",
    "Läkemedelspump vid avancerad sjukdom",
    "Rekonstruktiv kirurgi",
    "Intrauterin behandling",
    "Genetisk utredning",
    "Multidisciplinär bedömning",
    "Kirurgisk behandling i barnaåren",
    "Högspecialiserad rehabilitering",
)
_TEXTS = (
    "Enligt underlaget.",
    "Se bilaga 1.",
    "Beslutat vid sammanträde.",
    "Remissinstanserna tillstyrker.",
    "Behovet har inte visats.",
    "Verksamheten har upphört.",
    "Ny kunskap kräver omprövning.",
)
_SOS_NAMES = ("Socialstyrelsen", "handläggare", "processledare", "enhetschef")
NETWORKS = ("ERN ReCONNET", "ERN-RND", "ERN EuroBloodNet", "ERN ITHACA")
"""European Reference Networks a provider applies to."""
COUNTRIES = ("SE", "DK", "FI", "DE", "NO")
"""Countries of the providers (EU and EEA)."""

_OTHER_NAMES: dict[Role, tuple[str, ...]] = {
    Role.HEALTH_ENTERPRISE: ("Helse Sør-Øst", "Helse Vest", "Helse Midt-Norge", "Helse Nord"),
    Role.DIRECTORATE: ("Helsedirektoratet",),
    Role.MINISTRY: ("Helse- og omsorgsdepartementet",),
    Role.PROVIDER: ("Karolinska Universitetssjukhuset", "Rigshospitalet", "Charité"),
    Role.MEMBER_STATE: ("Sverige", "Danmark", "Tyskland"),
    Role.COMMISSION: ("Europeiska kommissionen",),
    Role.COORDINATOR: ("ERN-koordinator",),
    Role.ASSESSMENT_BODY: ("Oberoende bedömningsorgan",),
    Role.ERN_BOARD: ("ERN Board of Member States",),
}


def _sorted_regions(found: Iterable[Region]) -> tuple[Region, ...]:
    """In the enum's order (a tuple, so that hypothesis can cache the strategy)."""
    return tuple(r for r in Region if r in set(found))


def regions(*, healthcare_region: HealthcareRegion | None = None) -> st.SearchStrategy[Region]:
    """Any of the 21 regions, or only those of one healthcare region.

    .. versionadded:: 0.1
    """
    if healthcare_region is None:
        return st.sampled_from(Region)
    if not isinstance(healthcare_region, HealthcareRegion):
        raise InvalidPayload(
            "healthcare_region",
            "must be a HealthcareRegion, e.g. HealthcareRegion.NORRA "
            f"(got {shown(healthcare_region)})",
        )
    return st.sampled_from(_sorted_regions(healthcare_region.regions))


def texts() -> st.SearchStrategy[str]:
    """A short Swedish sentence (a reason, a finding, an assessment).

    .. versionadded:: 0.1
    """
    return st.sampled_from(_TEXTS)


def care_measures(programme_area: str | None = None) -> st.SearchStrategy[str]:
    """A care measure (vårdåtgärd); those of the area's proposals when the seed lists them.

    .. versionadded:: 0.1
    """
    listed = CARE_AREAS.get(programme_area or "", ())
    return st.sampled_from((*listed, *_MEASURES))


def _roles(role: Role | Iterable[Role] | None) -> list[Role]:
    if role is None:
        return list(Role)
    if isinstance(role, Role):
        return [role]
    given: object = role  # checked at run time: callers may pass anything
    if isinstance(given, str) or not isinstance(given, Iterable):
        raise InvalidPayload("role", f"must be a Role, several, or None (got {shown(given)})")
    chosen = list(given)
    for item in chosen:
        if not isinstance(item, Role):
            raise InvalidPayload("role", f"must be a Role or Roles (got {shown(item)})")
    if not chosen:
        raise InvalidPayload("role", "names no role; pass a Role, several, or None for any")
    return chosen


def actors(
    role: Role | Iterable[Role] | None = None,
    *,
    programme_area: str | None = None,
    principal: Region | None = None,
    case_id: str | None = None,
    country: str | None = None,
    network: str | None = None,
) -> st.SearchStrategy[Actor]:
    """Actors of any role, or of the role(s) given.

    The keywords fix a scope where the role has one: ``programme_area`` for
    an NPO (default: one of :data:`PROGRAMME_AREAS`), ``principal`` for a
    region (default: any region), ``case_id`` for an expert group (default:
    a short drawn id), ``country`` for a provider or a Member State and
    ``network`` for an ERN coordinator (default: one of a few EU/EEA
    countries, one of a few networks). Example:
    ``actors(Role.REGION, principal=Region.SKANE)``.

    .. versionchanged:: 0.2
       ``country`` and ``network``; providers, Member States and
       coordinators carry their scope.

    .. versionadded:: 0.1
    """
    chosen = _roles(role)

    def of(r: Role) -> st.SearchStrategy[Actor]:
        if r is Role.NPO:
            areas = st.just(programme_area) if programme_area else st.sampled_from(PROGRAMME_AREAS)
            return areas.map(Actor.npo)
        if r is Role.SOCIALSTYRELSEN:
            return st.sampled_from(_SOS_NAMES).map(Actor.socialstyrelsen)
        if r is Role.BOARD:
            return st.just(Actor.board())
        if r is Role.REGION:
            return (st.just(principal) if principal else regions()).map(Actor.region)
        if r is Role.EXPERT_GROUP:
            ids = st.just(case_id) if case_id else st.from_regex(r"c[0-9]{1,3}", fullmatch=True)
            return ids.map(Actor.expert_group)
        countries = st.just(country) if country else st.sampled_from(COUNTRIES)
        if r is Role.PROVIDER:
            names = st.sampled_from(_OTHER_NAMES[r])
            return st.builds(Actor.provider, names, countries)
        if r is Role.MEMBER_STATE:
            return countries.map(Actor.member_state)
        if r is Role.COORDINATOR:
            return (st.just(network) if network else st.sampled_from(NETWORKS)).map(
                Actor.coordinator
            )
        return st.sampled_from(_OTHER_NAMES[r]).map(lambda name: Actor.of(r, name))

    return st.one_of([of(r) for r in chosen])


def experts(
    *,
    region: Region | None = None,
    patient_representative: bool | None = None,
) -> st.SearchStrategy[Expert]:
    """Any expert (sakkunnig), each flag drawn; fix ``region`` or
    ``patient_representative`` if you need to.

    .. versionadded:: 0.1
    """
    patient = st.booleans() if patient_representative is None else st.just(patient_representative)
    return st.builds(
        Expert,
        name=st.sampled_from(_NAMES),
        profession=st.sampled_from((*PROFESSIONS, "patientrepresentant")),
        region=st.just(region) if region is not None else regions(),
        gender=st.sampled_from(("female", "male", "other")),
        clinical=st.booleans(),
        scientific=st.booleans(),
        patient_representative=patient,
        interests_declared=st.booleans(),
        time_allotted=st.booleans(),
    )


@st.composite
def _group(draw: st.DrawFn, breaking: str | None) -> list[Expert]:
    """A group that meets every criterion but ``breaking`` (if given)."""
    missing = draw(st.sampled_from(HealthcareRegion)) if breaking == "whole_country" else None
    allowed = tuple(r for r in Region if missing is None or missing not in r.healthcare_regions)
    # One member per healthcare region to cover (none from the one left out;
    # Halland counts for two, so it is not allowed when either is left out).
    homes = [
        draw(st.sampled_from(_sorted_regions(h.regions & set(allowed))))
        for h in HealthcareRegion
        if h is not missing
    ]
    homes += draw(st.lists(st.sampled_from(allowed), max_size=4))
    k = len(homes)
    if breaking == "multiprofessional":
        professions = [draw(st.sampled_from(PROFESSIONS))] * k
    else:
        some = st.sampled_from(PROFESSIONS)
        professions = draw(st.lists(some, min_size=2, max_size=2, unique=True))
        professions += draw(st.lists(some, min_size=k - 2, max_size=k - 2))

    def some_flags(criterion: str) -> list[bool]:
        if breaking == criterion:
            return [False] * k
        flags = draw(st.lists(st.booleans(), min_size=k, max_size=k))
        flags[draw(st.integers(0, k - 1))] = True
        return flags

    clinical = some_flags("clinical_legitimacy")
    scientific = some_flags("scientific_legitimacy")
    patients = 0 if breaking == "patient_representation" else draw(st.integers(1, 2))
    patient_homes = draw(st.lists(st.sampled_from(allowed), min_size=patients, max_size=patients))
    n = k + patients
    others = draw(st.integers(0, 1))
    counted = n - others
    balanced = tuple(w for w in range(counted + 1) if min(w, counted - w) * 10 >= 4 * counted)
    if breaking == "gender_balance":
        women = draw(st.sampled_from(tuple(w for w in range(counted + 1) if w not in balanced)))
    else:
        women = draw(st.sampled_from(balanced))
    female: list[Gender] = ["female"]
    male: list[Gender] = ["male"]
    other: list[Gender] = ["other"]
    genders = female * women + male * (counted - women) + other * others
    genders = list(draw(st.permutations(genders)))

    def lapses(criterion: str) -> set[int]:
        if breaking != criterion:
            return set()
        return set(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3)))

    undeclared = lapses("transparency")
    no_time = lapses("time_allotted")
    # distinct names in two draws: a start and a stride coprime to len(_NAMES)
    start = draw(st.integers(0, len(_NAMES) - 1))
    names = [_NAMES[(start + _STRIDE * i) % len(_NAMES)] for i in range(n)]
    group = [
        Expert(
            names[i],
            professions[i] if i < k else "patientrepresentant",
            homes[i] if i < k else patient_homes[i - k],
            genders[i],
            clinical=i < k and clinical[i],
            scientific=i < k and scientific[i],
            patient_representative=i >= k,
            interests_declared=i not in undeclared,
            time_allotted=i not in no_time,
        )
        for i in range(n)
    ]
    turn = draw(st.integers(0, n - 1))  # who is listed first
    return group[turn:] + group[:turn]


def expert_groups(
    valid: bool | None = None, *, breaking: str | None = None
) -> st.SearchStrategy[list[Expert]]:
    """Expert groups (sakkunniggrupper) for ``appoint_expert_group``.

    Lawful groups by default (``valid=True``): varied groups of seven to
    twelve with members from all six healthcare regions, clinical and
    scientific legitimacy, several professions, one or two patient
    representatives, 40/60 gender balance or better, interests declared and
    time allotted. ``valid=False`` draws groups that break exactly one
    criterion of :data:`CRITERIA` (``nhv.expert-group-composition`` then
    reports exactly one violation, with that criterion): the one named by
    ``breaking``, or one drawn. ``breaking=`` alone implies ``valid=False``.

    .. versionadded:: 0.1
    """
    if breaking is not None:
        if breaking not in CRITERIA:
            raise InvalidPayload(
                "breaking", f"unknown criterion {shown(breaking)}; one of {', '.join(CRITERIA)}"
            )
        if valid:
            raise InvalidPayload(
                "valid",
                f"expert_groups(valid=True, breaking={breaking!r}) asks for a lawful group that "
                "breaks a criterion; pass breaking= alone (or with valid=False)",
            )
        return _group(breaking)
    if valid is None or valid:
        return _group(None)
    return st.sampled_from(CRITERIA).flatmap(_group)


def _titles(area: str, advisory: bool) -> tuple[str, ...]:
    listed = CARE_AREAS.get(area)
    if listed:
        return listed
    lowered = area[0].lower() + area[1:]
    if advisory:
        return (f"Nationell rådgivning inom {lowered}", f"Kompetenscentrum för {lowered}")
    return (f"Högspecialiserad kirurgi inom {lowered}", f"Sällsynta tillstånd inom {lowered}")


@st.composite
def _proposal(
    draw: st.DrawFn, advisory: bool | None, pilot: bool | None, area: str | None
) -> dict[str, Any]:
    if area is None and pilot:
        area = draw(st.sampled_from(DEFAULT_PILOT_AREAS))
    elif area is None and pilot is not None:
        # A proposal is a pilot by its area, whatever its flag says.
        area = draw(st.sampled_from([a for a in PROGRAMME_AREAS if not marked_pilot(a)]))
    area = area or draw(st.sampled_from(PROGRAMME_AREAS))
    is_pilot_area = marked_pilot(area)
    is_advisory = draw(st.booleans()) if advisory is None else advisory
    title = draw(st.sampled_from(_titles(area, is_advisory)))
    if is_advisory:
        # Many NPO proposals ask only for advice (Socialstyrelsen's report, 2019);
        # some name care too.
        care = draw(st.one_of(st.just([]), st.lists(care_measures(area), max_size=2, unique=True)))
    else:
        care = draw(st.lists(care_measures(area), min_size=1, max_size=3, unique=True))
    return {
        "title": title,
        "programme_area": area,
        "care_measures": care,
        "advisory": is_advisory,
        "nominated_experts": draw(st.lists(experts(), min_size=1, max_size=3)),
        "pilot": (draw(st.booleans()) and is_pilot_area) if pilot is None else pilot,
    }


def proposals(
    advisory: bool | None = None,
    *,
    pilot: bool | None = None,
    programme_area: str | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :meth:`Registry.submit` (step 1 of ``nhv``).

    ``advisory=True`` draws proposals that ask for an advisory mission (a
    competence centre), often with no care measures at all, as many NPO
    proposals do; ``advisory=False`` proposals that concentrate care
    measures; ``None`` either. ``pilot`` and ``programme_area`` fix those
    fields; without an area, ``pilot=True`` draws one of the areas the NHV
    page marks as pilots (elsewhere ``pilot=True`` is refused unless
    Socialstyrelsen designated the area) and ``pilot=False`` one it does not
    (a proposal of a pilot area is a pilot whatever its flag says). Every
    proposal nominates at least one expert. Submit as
    ``reg.submit(Actor.npo(kw["programme_area"]), **kw)``.

    .. versionchanged:: 0.2
       ``pilot=False`` without an area draws a non-pilot area.

    .. versionadded:: 0.1
    """
    return _proposal(advisory, pilot, programme_area)
