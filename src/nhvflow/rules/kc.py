"""The rules of the proposed Swedish system for national competence centres
(regime ``kc-proposal``).

Status: proposed, not in force. Socialstyrelsen's report *Förutsättningar
för kompetenscentrum inom nationell högspecialiserad vård* (2019) finds that
advice cannot be concentrated within national highly specialised care unless
care is, and suggests that a system for competence centres "bör utredas
vidare". These rules encode that suggestion so that analysts can run
proposals under it: they have no date of entry into force (``valid_from`` is
``None``) and judge a step at whatever business time a simulation gives it.

The expert group is judged by the criteria of the law in force,
``nhv.expert-group-composition`` (the report: "Ett sådant system skulle kunna
dra lärdom av processen för nationell högspecialiserad vård"), whatever the
step's date: the proposal has no date of entry into force, so the borrowed
rule is never "not in force" here.

The rules read a case through :class:`KcCase` (the basis's number of centres
and tasks, the regions that applied).
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from nhvflow.events import kc as ev
from nhvflow.model import Region
from nhvflow.rules._base import Refusal, Rulebook, Step, refuse
from nhvflow.rules._views import KcCase
from nhvflow.rules.nhv import (
    EXPERT_GROUP_OF_CASE,
    NPO_OF_AREA,
    REGION_FOR_ITSELF,
    SOCIALSTYRELSEN,
)
from nhvflow.rules.nhv import expert_group_composition as _composition

__all__ = [
    "EXPERT_GROUP_OF_CASE",
    "FINANCING_FORMS",
    "NO_AUTHORISATION",
    "NO_FINANCING",
    "NPO_OF_AREA",
    "REGION_FOR_ITSELF",
    "RESPONSIBLE_PARTY",
    "RULEBOOK",
    "RULES",
    "SOCIALSTYRELSEN",
    "KcCase",
    "expert_group_composition",
    "financing_form",
    "financing_key",
    "number_and_tasks",
    "state_grant_one_year",
]

_REPORT = (
    "Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell högspecialiserad vård "
    "(2019)"
)

expert_group_composition = attrs.evolve(_composition, valid_from=None)
"""``nhv.expert-group-composition`` as this regime judges it: at any date."""

FINANCING_FORMS: dict[str, tuple[str, str]] = {
    "procurement": ("procured by an agency, region, municipality or the like", "upphandlat"),
    "state_grant": ("financed by a state grant from an agency", "finansierat med statsbidrag"),
    "agency": ("run by an agency", "drivet av en myndighet"),
    "regions": ("financed by the regions", "finansierat av regionerna"),
}
"""The named forms of financing ``establish`` knows by key: the three the
report finds ("Organisationsformer och finansiering") and support from the
regions ("genom stöd från regionerna, staten eller på annat sätt"). Any other
named form is accepted and recorded as given."""

NO_FINANCING = frozenset(
    {
        "none", "no", "nothing", "unknown", "unsecured", "tbd", "ingen", "inget", "okänd",
        "osäkrad", "nej", "saknas", "ej", "false", "n/a", "pending", "väntar", "inte", "not",
        "yet", "ännu", "missing",
    }
)  # fmt: skip
"""Words that name no financing: a form must be secured and named. A text
made only of these and the field's own nouns ("Finansiering saknas", "ej
säkrad", "not yet secured") names none either."""

_FINANCING_NOUNS = frozenset(
    {"finansiering", "finansieringen", "financing", "funding", "säkrad", "säkrat", "secured"}
)
"""Words that say what the field is about, not what the financing is."""


def _names_nothing(text: str, none_words: frozenset[str], nouns: frozenset[str]) -> bool:
    """Whether ``text`` names nothing: it is one of ``none_words`` ("n/a"),
    or, read as words (case and punctuation aside), each is one of
    ``none_words`` or of the field's own ``nouns`` ("Bemyndigande saknas.")."""
    folded = text.casefold()
    if "_".join(folded.split()) in none_words:
        return True
    words = "".join(c if c.isalnum() else " " for c in folded).split()
    return all(w in none_words or w in nouns for w in words)


_FINANCING_ALIASES: dict[str, str] = {
    "state": "state_grant",
    "staten": "state_grant",
    "regionerna": "regions",
    "region": "regions",
    "regional": "regions",
    "regional_support": "regions",
    "stöd_från_regionerna": "regions",
    "procured": "procurement",
    "upphandling": "procurement",
    "upphandlat": "procurement",
    "grant": "state_grant",
    "statsbidrag": "state_grant",
    "run_by_an_agency": "agency",
    "run_by_agency": "agency",
    "agency_run": "agency",
    "myndighet": "agency",
    "drivs_av_myndighet": "agency",
}


def financing_key(value: str) -> str | None:
    """The key in :data:`FINANCING_FORMS` that ``value`` names, or ``None``.

    Case, spaces and hyphens do not matter, and the report's Swedish words are
    understood: ``"State grant"``, ``"state-grant"`` and ``"statsbidrag"`` all
    name ``"state_grant"``; ``"run by an agency"`` names ``"agency"``.
    """
    key = "_".join(value.casefold().replace("-", " ").split())
    if key in FINANCING_FORMS:
        return key
    return _FINANCING_ALIASES.get(key)


RULEBOOK = Rulebook(status="proposed", kind="authority report")
"""What every rule of the regime shares: proposed, in Socialstyrelsen's report, with no
date of entry into force."""
kc_rule = RULEBOOK.rule

RESPONSIBLE_PARTY = RULEBOOK.responsible_party(
    id="kc.responsible-party",
    citation=f"{_REPORT} (Kompetenscentrum bör utredas vidare, p. 1–4)",
    seed=f"{_REPORT}, 'Kompetenscentrum bör utredas vidare'",
    doc="""Only the responsible party may fire a step: the NPO of the area defines
the need (and may withdraw it), Socialstyrelsen appoints and leads the expert
group, the case's expert group delivers the basis, Socialstyrelsen (its
preparation group) weighs the system effects, establishes the centres or closes
the proposal, and a region applies only for itself.

Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
högspecialiserad vård (2019), "Kompetenscentrum bör utredas vidare":

    Ett sådant system skulle kunna dra lärdom av processen för nationell
    högspecialiserad vård, det vill säga
    1. NPO skulle definiera behovet av nationella kompetenscentrum.
    2. Sakkunniggrupper skulle ta fram beslutsunderlag som fastställer antalet
    kompetenscentrum och avgränsar deras uppgifter.
    3. Beredningsgrupper skulle diskutera beslutsunderlaget för att undersöka
    systemeffekter av att koncentrera kompetensen.
    4. Huvudmännen för hälso- och sjukvården skulle få ansöka om att etablera
    kompetenscentrum.

The report does not name who establishes the centres; as under the law in force
("Sakkunniggrupper ledda av Socialstyrelsen genomlyser förslagen"), Socialstyrelsen
leads the groups and decides.
""",
)


@kc_rule(
    id="kc.number-and-tasks",
    title_sv="Underlaget fastställer antalet kompetenscentrum och avgränsar deras uppgifter",
    title_en="The basis fixes the number of competence centres and delimits their tasks",
    citation=f"{_REPORT} (Kompetenscentrum bör utredas vidare, p. 2 and 4)",
    seed=f"{_REPORT}, 'Kompetenscentrum bör utredas vidare', points 2 and 4",
)
def number_and_tasks(step: Step) -> Iterator[Refusal]:
    """The basis fixes at least one centre and names their tasks; a region applies
    once, for tasks the basis names; ``establish`` goes only to regions that
    applied, each once, and never beyond the number the basis fixed.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Kompetenscentrum
    bör utredas vidare":

        2. Sakkunniggrupper skulle ta fram beslutsunderlag som fastställer antalet
        kompetenscentrum och avgränsar deras uppgifter.
        ...
        4. Huvudmännen för hälso- och sjukvården skulle få ansöka om att etablera
        kompetenscentrum.

    and, on what a future inquiry must settle (point "2. Uppdraget"): "Det är
    viktigt att tydligt definiera kompetenscentrumets huvuduppgifter gentemot andra
    aktörer."
    Each failed point is its own violation (criteria ``number``, ``tasks``,
    ``one_per_region``, ``applicant``, ``once``).
    """
    if step.trigger == "deliver_basis":
        yield from _basis(step)
    elif step.trigger == "apply_to_establish":
        yield from _application(step)
    elif step.trigger == "establish":
        yield from _establishment(step)


def _basis(step: Step) -> Iterator[Refusal]:
    basis: ev.CentresAndTasksFixed = step.payload
    centres = basis.centres
    if centres < 1:
        yield refuse(
            f"The basis fixes {centres} competence centres; it must fix at least one. Give "
            "the number of centres the need calls for.",
            f"Underlaget fastställer {centres} kompetenscentrum; det ska fastställa minst ett. "
            "Ange hur många centrum behovet kräver.",
            criterion="number",
        )
    if not basis.tasks:
        yield refuse(
            "The basis names no tasks for the centres; it must delimit their tasks (for "
            "example advice on diagnosis and treatment, education, research).",
            "Underlaget anger inga uppgifter för centrumen; det ska avgränsa deras uppgifter "
            "(till exempel rådgivning om diagnostik och behandling, utbildning, forskning).",
            criterion="tasks",
        )


def _application(step: Step) -> Iterator[Refusal]:
    region = step.actor.principal
    if region is None:
        return
    case = step.view(KcCase)
    if region in case.applied:
        yield refuse(
            f"{region.swedish_name} has already applied to establish a competence centre in "
            "this case; one application per region.",
            f"{region.swedish_name} har redan ansökt om att etablera kompetenscentrum i ärendet; "
            "en ansökan per region.",
            criterion="one_per_region",
        )
    tasks = case.basis.tasks if case.basis is not None else ()
    known = {t.casefold() for t in tasks}
    application: ev.EstablishmentApplied = step.payload
    unknown = [t for t in application.tasks if t.casefold() not in known]
    if unknown:
        listed = "; ".join(tasks) or "none"
        yield refuse(
            f"{region.swedish_name} applies for tasks the basis does not name "
            f"({'; '.join(unknown)}); apply for tasks among: {listed}.",
            f"{region.swedish_name} ansöker om uppgifter som underlaget inte anger "
            f"({'; '.join(unknown)}); ansök om uppgifter bland: {listed}.",
            criterion="tasks",
        )


def _establishment(step: Step) -> Iterator[Refusal]:
    establishment: ev.CentresEstablished = step.payload
    regions = establishment.regions
    case = step.view(KcCase)
    seen: set[Region] = set()
    for region in regions:
        if region in seen:
            yield refuse(
                f"{region.swedish_name} is named twice; one centre per region.",
                f"{region.swedish_name} anges två gånger; ett centrum per region.",
                criterion="once",
            )
            continue
        seen.add(region)
        if region not in case.applied:
            yield refuse(
                f"{region.swedish_name} has not applied to establish a competence centre; "
                f"centres go only to regions that applied "
                f"(applicants: {', '.join(sorted({r.name for r in case.applied})) or 'none'}).",
                f"{region.swedish_name} har inte ansökt om att etablera kompetenscentrum; "
                "centrum etableras bara hos regioner som ansökt.",
                criterion="applicant",
            )
    fixed = case.basis.centres if case.basis is not None else 0
    if len(seen) > fixed:
        yield refuse(
            f"{len(seen)} centres were to be established, but the basis fixed {fixed}; "
            f"establish at most {fixed}.",
            f"{len(seen)} centrum skulle etableras, men underlaget fastställde {fixed}; "
            f"etablera högst {fixed}.",
            criterion="number",
        )


@kc_rule(
    id="kc.financing-form",
    title_sv="Finansieringen säkras genom stöd från regionerna, staten eller på annat sätt",
    title_en="Financing is secured by the regions, the state or another named form",
    citation=f"{_REPORT} (Kompetenscentrum bör utredas vidare; Organisationsformer och "
    "finansiering)",
    seed=f"{_REPORT}, 'Kompetenscentrum bör utredas vidare' and 'Organisationsformer och "
    "finansiering'",
)
def financing_form(step: Step) -> Iterator[Refusal]:
    """``establish`` names how the centres are financed: by the regions, by the
    state (a grant, procurement, an agency that runs them) or in another named
    form; only a form that names nothing is refused (criterion ``form``).
    ``grant_years`` goes with a state grant only (criterion ``grant_years``). The
    body that procures, grants or runs the centres (``funder``) is recorded when
    named; the report does not make naming it a condition.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Kompetenscentrum
    bör utredas vidare":

        Finansieringen av de nationella kompetenscentrumen skulle behöva säkras
        genom stöd från regionerna, staten eller på annat sätt.

    and "Organisationsformer och finansiering", on the centres that exist:

        De nationella kompetenscentrum som listas i bilaga 1 kan finansieras på
        tre sätt:
        1. En myndighet, region, kommun eller liknande kan upphandla
        kompetenscentrumet.
        2. En myndighet kan ge statsbidrag till kompetenscentrumet. ...
        3. En myndighet kan driva kompetenscentrumet.
    """
    establishment: ev.CentresEstablished = step.payload
    form = establishment.financing
    if _names_nothing(form, NO_FINANCING, _FINANCING_NOUNS):
        yield refuse(
            f"Financing {form!r} names no financing; the centres' financing must be secured "
            "and named: by the regions ('regions'), the state ('state_grant', 'procurement', "
            "'agency') or another form, named.",
            f"Finansieringen {form!r} anger ingen finansiering; den ska säkras och anges: "
            "genom stöd från regionerna, staten eller på annat angivet sätt.",
            criterion="form",
        )
    if establishment.grant_years is not None and form != "state_grant":
        yield refuse(
            f"grant_years applies to a state grant, but the financing is {form!r}; leave it out.",
            f"grant_years gäller statsbidrag, men finansieringen är {form!r}; utelämna den.",
            criterion="grant_years",
        )


@kc_rule(
    id="kc.state-grant-one-year",
    title_sv="Statsbidrag är ettåriga; längre kräver riksdagens bemyndigande",
    title_en="A state grant runs one year; longer needs the Riksdag's authorisation",
    citation=f"{_REPORT} (Organisationsformer och finansiering, p. 2); cf. budgetlagen "
    "(2011:203) 6 kap.",
    seed=f"{_REPORT}, 'Organisationsformer och finansiering', point 2",
)
def state_grant_one_year(step: Step) -> Iterator[Refusal]:
    """A state grant runs for one year; a grant for longer needs the Riksdag's
    authorisation, recorded in ``riksdag_authorisation`` (``True``, or text
    naming the decision; a word that says there is none, such as "ingen" or
    "saknas", records none).

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Organisationsformer
    och finansiering":

        2. En myndighet kan ge statsbidrag till kompetenscentrumet. Dessa bidrag
        är dock ettåriga. För att ett kompetenscentrum ska kunna finansieras av
        statsbidrag en längre tid (utan att söka pengar varje år), behövs ett
        bemyndigande från riksdagen. Riksdagen kan bevilja detta om det finns
        särskilda skäl.

    and under "3. Finansieringen": "statsbidragen är kortsiktiga". The report does
    not name the provision; commitments beyond the budget year need the Riksdag's
    authorisation under the budget act (budgetlagen 2011:203, 6 kap.).
    """
    establishment: ev.CentresEstablished = step.payload
    if establishment.financing != "state_grant":
        return
    years = 1 if establishment.grant_years is None else establishment.grant_years
    if years < 1:
        yield refuse(
            f"A state grant of {years} years was asked for; a grant runs for at least one year.",
            f"Statsbidrag för {years} år begärdes; ett bidrag gäller minst ett år.",
            criterion="years",
        )
    elif years > 1 and not _authorised(establishment.riksdag_authorisation):
        yield refuse(
            f"A state grant for {years} years needs the Riksdag's authorisation, and none is "
            "recorded; grant one year, or record the authorisation (riksdag_authorisation=True "
            "or the decision that gives it).",
            f"Statsbidrag för {years} år kräver bemyndigande från riksdagen, och inget är "
            "angivet; bevilja ett år eller ange bemyndigandet (riksdag_authorisation=True "
            "eller beslutet som ger det).",
            criterion="authorisation",
        )


NO_AUTHORISATION = NO_FINANCING
"""Words that name no authorisation: text given for one must name the decision."""

_AUTHORISATION_NOUNS = frozenset(
    {"bemyndigande", "bemyndigandet", "authorisation", "authorization", "riksdag", "riksdagen"}
)
"""Words that say what the field is about, not which decision it is."""


def _authorised(authorisation: str | bool | None) -> bool:
    """Whether an authorisation is recorded: ``True``, or text that names a
    decision (not one that says there is none, such as "ingen" or
    "Bemyndigande saknas.")."""
    if isinstance(authorisation, str):
        return not _names_nothing(authorisation, NO_AUTHORISATION, _AUTHORISATION_NOUNS)
    return authorisation is True


RULES = (
    RESPONSIBLE_PARTY,
    expert_group_composition,
    number_and_tasks,
    financing_form,
    state_grant_one_year,
)
"""Every rule of the regime ``kc-proposal``, in catalogue order."""
