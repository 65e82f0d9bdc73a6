"""The words of a reasoned decision, in Swedish and English: its heading,
what was decided, the facts relied on, whether and how it can be challenged,
and the Markdown and HTML renderings (:mod:`nhvflow.engine._decision`).

The legal facts behind the appeal texts: Socialstyrelsen decides which care
is national highly specialised care and at how many units, and the board
(nämnden) decides on permits, their conditions and their revocation
(hälso- och sjukvårdsförordningen 2017:80, 2 kap. 1–2 §); these decisions
cannot be appealed. A permit holds until further notice (tills vidare) and
ends only by revocation (prop. 2017/18:40). A decision taken during the
handling of a case can be appealed only together with the final decision
(förvaltningslagen 2017:900, 41 §); an authority may change its own
decision (37–39 §§).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from nhvflow.model import Event, Region
from nhvflow.states import Process

if TYPE_CHECKING:
    from nhvflow.engine._decision import Decision

__all__ = [
    "appeal_text",
    "fact_lines",
    "heading",
    "outcome_label",
    "render_html",
    "render_markdown",
    "summary",
]

Lang = Literal["sv", "en"]

_OUTCOMES = {
    "passed": ("uppfylld", "passed"),
    "failed": ("inte uppfylld", "failed"),
    "not in force": ("inte i kraft vid beslutet", "not in force at the time"),
    "cited": ("grund för beslutet", "ground of the decision"),
}

_GROUNDS = {
    "conditions_not_met": ("villkoren för tillståndet är inte uppfyllda", "the permit's "
                           "conditions are not met"),
    "circumstances_changed": ("förhållandena har ändrats", "circumstances have changed"),
    "holder_request": ("tillståndshavaren har begärt det", "the holder asked for it"),
}  # fmt: skip

_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Förslag", "Proposal"),
    "programme_area": ("Programområde", "Programme area"),
    "care_measures": ("Vårdåtgärder i förslaget", "Care measures proposed"),
    "advisory": ("Förslaget gäller rådgivning (kompetenscentrum)", "The proposal asks for "
                 "advice (a competence centre)"),
    "pilot": ("Pilotförslag", "Pilot proposal"),
    "basis.recommends_nhv": ("Sakkunniggruppen rekommenderar NHV", "The expert group "
                             "recommends NHV"),
    "basis.units": ("Underlagets antal enheter", "Units in the basis"),
    "basis.care_measures": ("Vårdåtgärder i underlaget", "Care measures in the basis"),
    "knowledge_spreading_need": ("Behov av kunskapsspridning utrett", "Need for knowledge "
                                 "spreading recorded"),
    "units": ("Beslutat antal enheter", "Units decided"),
    "applicants": ("Regioner som ansökt", "Regions that applied"),
    "permits": ("Tillstånd", "Permits"),
    "network": ("Nätverk", "Network"),
    "country": ("Land", "Country"),
    "initiator": ("Initiativtagare", "Initiator"),
    "supporters": ("Stöd från", "Supported by"),
    "review": ("Helsedirektoratets genomlysning", "The directorate's review"),
    "annual_reports": ("Årsrapporter", "Annual reports"),
    "assessment": ("Bedömning", "Assessment"),
    "opinion": ("Nätverkets yttrande", "The network's opinion"),
    "basis.centres": ("Antal centrum i underlaget", "Centres in the basis"),
    "basis.tasks": ("Uppgifter i underlaget", "Tasks in the basis"),
}  # fmt: skip

_YES_NO = {True: ("ja", "yes"), False: ("nej", "no")}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "sv" else pair[1]


def outcome_label(outcome: str, lang: Lang) -> str:
    """A rule outcome in words."""
    return _pick(_OUTCOMES.get(outcome, (outcome, outcome)), lang)


def _region(name: object) -> str:
    try:
        return Region[str(name)].swedish_name
    except KeyError:
        return str(name)


def _show(value: Any, lang: Lang) -> str:
    if isinstance(value, bool):
        return _pick(_YES_NO[value], lang)
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return "; ".join(_show(v, lang) for v in value)
    if isinstance(value, dict):
        if "region" in value:
            unit = value.get("unit")
            return _region(value["region"]) + (f" ({unit})" if unit else "")
        if "enterprise" in value:
            return str(value["enterprise"])
        if "year" in value:
            return str(value["year"])
        return ", ".join(
            f"{k}: {_show(v, lang)}" for k, v in value.items() if not k.endswith("_at")
        )
    return str(value)


def fact_lines(
    data: Mapping[str, Any], payload: Mapping[str, Any], lang: Lang
) -> Iterator[tuple[str, str]]:
    """The facts relied on: the case's record before the decision (what it
    holds of the keys that matter), then the decision's own fields."""
    basis = data.get("basis") or {}
    for key, label in _LABELS.items():
        if key.startswith("basis."):
            value = basis.get(key[6:])
            present = key[6:] in basis
        else:
            value = data.get(key)
            present = key in data
        if present:
            yield _pick(label, lang), _show(value, lang)
    prefix = "Beslutets uppgift" if lang == "sv" else "Decision field"
    for key, value in payload.items():
        yield f"{prefix} `{key}`", _show(value, lang)


def heading(process: Process, trigger: str, lang: Lang) -> str:
    """The decision's heading: the step it takes, in the process's words."""
    transition = process.transitions[trigger]
    text = transition.sv if lang == "sv" else transition.en
    lead = "Beslut" if lang == "sv" else "Decision"
    return f"{lead}: {text}" if text else f"{lead}: {trigger}"


def _units_text(payload: Mapping[str, Any], lang: Lang) -> str:
    care = "; ".join(payload.get("care_measures") or []) or "–"
    units, due = payload.get("units"), payload.get("applications_due")
    if lang == "sv":
        text = (
            f"Socialstyrelsen beslutar att följande vård ska vara nationell högspecialiserad "
            f"vård: {care}. Vården ska bedrivas vid {units} enhet(er). Regionerna kan ansöka om "
            f"tillstånd senast {due}."
        )
        if payload.get("advisory_mission"):
            text += (
                " Beslutet omfattar ett rådgivningsuppdrag knutet till den koncentrerade vården."
            )
        return text
    text = (
        f"Socialstyrelsen decides that the following care is national highly specialised care: "
        f"{care}. It is to be run at {units} unit(s). Regions may apply for permits until {due}."
    )
    if payload.get("advisory_mission"):
        text += " The decision includes an advisory mission tied to the concentrated care."
    return text


def summary(
    process: Process, trigger: str, event: Event, data: Mapping[str, Any], lang: Lang
) -> str:
    """What was decided, in one paragraph."""
    p = event.payload
    sv = lang == "sv"
    reason = str(p.get("reason") or "")
    because = (f" Skäl: {reason}" if sv else f" Reasons: {reason}") if reason else ""
    if trigger == "decide":
        return _units_text(p, lang)
    if trigger == "reject":
        return (
            "Socialstyrelsen beslutar att vården inte ska vara nationell högspecialiserad vård."
            if sv
            else "Socialstyrelsen decides that the care is not national highly specialised care."
        ) + because
    if trigger == "close_not_eligible":
        rule = process.rule(str(p.get("rule")))
        title = rule.title(lang) if rule is not None else str(p.get("rule"))
        citation = rule.citation if rule is not None else ""
        if sv:
            return (
                "Socialstyrelsen avslutar förslaget som inte aktuellt för nationell "
                f"högspecialiserad vård, med stöd av regeln {p.get('rule')} ({title}; "
                f"{citation})." + because
            )
        return (
            "Socialstyrelsen closes the proposal as not eligible for national highly "
            f"specialised care, under the rule {p.get('rule')} ({title}; {citation})." + because
        )
    if trigger == "grant_permits":
        lines = []
        for grant in p.get("permits", []):
            conditions = "; ".join(
                [*(grant.get("special_conditions") or []), *(grant.get("other_conditions") or [])]
            )
            where = _region(grant.get("region")) + (
                f" ({grant['unit']})" if grant.get("unit") else ""
            )
            extra = (f", med särskilda villkor: {conditions}" if sv else
                     f", with special conditions: {conditions}") if conditions else ""  # fmt: skip
            lines.append(where + extra)
        duty = str(p.get("general_duty") or "")
        if sv:
            return (
                f"Nämnden beviljar tillstånd att bedriva vården till: {'; '.join(lines)}. "
                f"Tillstånden gäller tills vidare och förenas med villkoret: {duty}"
            )
        return (
            f"The board grants permits to run the care to: {'; '.join(lines)}. The permits hold "
            f"until further notice, with the condition: {duty}"
        )
    if trigger == "refer_back":
        return (
            "Nämnden återremitterar ärendet till Socialstyrelsen för fortsatt beredning."
            if sv
            else "The board refers the case back to Socialstyrelsen for further preparation."
        ) + because
    if trigger == "revoke_permit":
        ground = _pick(_GROUNDS.get(str(p.get("ground")), (str(p.get("ground")),) * 2), lang)
        where = _region(p.get("region"))
        return (
            f"Nämnden återkallar tillståndet för {where}, eftersom {ground}."
            if sv
            else f"The board revokes the permit of {where}, because {ground}."
        ) + because
    transition = process.transitions[trigger]
    who = event.actor.name
    what = transition.sv if sv else transition.en
    fields = ", ".join(f"{k}: {_show(v, lang)}" for k, v in p.items() if k != "reason")
    text = f"{who} beslutar: {what}." if sv else f"{who} decides: {what}."
    if fields:
        text += f" ({fields})"
    return text + because


_NHV_FINAL = (
    "Beslutet får inte överklagas (hälso- och sjukvårdsförordningen 2017:80, 2 kap.; "
    "beslut i steg 4 och beslut om tillstånd kan inte överklagas). Den som anser att beslutet "
    "är fel kan begära att Socialstyrelsen ändrar det (förvaltningslagen 2017:900, 37–38 §§).",
    "The decision cannot be appealed (Hälso- och sjukvårdsförordningen 2017:80, chapter 2; "
    "decisions at step 4 and on permits cannot be appealed). Anyone who finds it wrong may ask "
    "Socialstyrelsen to change it (Förvaltningslagen 2017:900, sections 37–38).",
)
_NHV_PERMIT = (
    "Beslutet om tillstånd får inte överklagas (hälso- och sjukvårdsförordningen 2017:80, "
    "2 kap.). Ett tillstånd gäller tills vidare och upphör endast genom återkallelse: om "
    "villkoren inte uppfylls, om förhållandena ändras eller på tillståndshavarens begäran. "
    "En part kan begära att nämnden ändrar beslutet (förvaltningslagen 2017:900, 37–38 §§).",
    "The decision on permits cannot be appealed (Hälso- och sjukvårdsförordningen 2017:80, "
    "chapter 2). A permit holds until further notice and ends only by revocation: when its "
    "conditions are not met, when circumstances change, or at the holder's request. A party "
    "may ask the board to change the decision (Förvaltningslagen 2017:900, sections 37–38).",
)
_INTERIM = (
    "Beslutet fattas under handläggningen och avgör inte ärendet; det kan inte överklagas "
    "särskilt, bara tillsammans med nämndens slutliga beslut (förvaltningslagen 2017:900, 41 §), "
    "och beslut om tillstånd kan inte överklagas.",
    "The decision is taken during the handling of the case and does not settle it; it cannot "
    "be appealed on its own, only with the board's final decision (Förvaltningslagen "
    "2017:900, section 41), and decisions on permits cannot be appealed.",
)
_NONE_NAMED = (
    "Källorna anger ingen möjlighet att överklaga beslutet. Ett nytt initiativ eller en ny "
    "ansökan kan göras.",
    "The sources name no way to appeal the decision. A new initiative or application can be made.",
)
_PROPOSED = (
    "Processen är ett förslag (Socialstyrelsen, Förutsättningar för kompetenscentrum inom "
    "nationell högspecialiserad vård) och inte gällande rätt; någon ordning för överklagande "
    "finns inte.",
    "The process is a proposal (Socialstyrelsen, Förutsättningar för kompetenscentrum inom "
    "nationell högspecialiserad vård), not law in force; there is no route of appeal.",
)


def appeal_text(process: str, trigger: str, lang: Lang) -> tuple[bool, str]:
    """Whether the decision can be appealed, and how it can be challenged."""
    if process == "nhv":
        if trigger == "refer_back":
            return False, _pick(_INTERIM, lang)
        if trigger in ("grant_permits", "revoke_permit"):
            return False, _pick(_NHV_PERMIT, lang)
        return False, _pick(_NHV_FINAL, lang)
    if process == "kc-proposal":
        return False, _pick(_PROPOSED, lang)
    return False, _pick(_NONE_NAMED, lang)


def _words(lang: Lang) -> dict[str, str]:
    if lang == "sv":
        return {
            "case": "Ärende",
            "version": "händelse",
            "by": "Beslutsfattare",
            "at": "Beslutsdatum",
            "decided": "Beslut",
            "facts": "Omständigheter som beslutet grundas på",
            "rules": "Tillämpade regler",
            "rule": "Regel",
            "citation": "Källa",
            "outcome": "Utfall",
            "appeal": "Överklagande",
        }
    return {
        "case": "Case",
        "version": "event",
        "by": "Decided by",
        "at": "Date of decision",
        "decided": "Decision",
        "facts": "Facts relied on",
        "rules": "Rules applied",
        "rule": "Rule",
        "citation": "Source",
        "outcome": "Outcome",
        "appeal": "Appeal",
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(d: Decision) -> str:
    """The decision as Markdown."""
    w = _words(d.lang)
    out = [
        f"# {d.title}",
        "",
        f"- {w['case']}: `{d.case_id}` ({d.process}, {w['version']} {d.version})",
        f"- {w['by']}: {d.decided_by.name} ({d.decided_by.role.value})",
        f"- {w['at']}: {d.decided_at.date().isoformat()}",
        "",
        f"## {w['decided']}",
        "",
        d.summary,
        "",
        f"## {w['facts']}",
        "",
        *(f"- {label}: {value}" for label, value in d.facts),
        "",
        f"## {w['rules']}",
        "",
        f"| {w['rule']} | {w['citation']} | {w['outcome']} |",
        "|---|---|---|",
        *(
            f"| {_cell(r.rule)}: {_cell(r.title)} | {_cell(r.citation)} | "
            f"{d.outcome_label(r.outcome)} |"
            for r in d.rules
        ),
        "",
        f"## {w['appeal']}",
        "",
        d.appeal,
        "",
    ]
    return "\n".join(out)


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3rem .5rem;"
    "text-align:left;vertical-align:top}"
)


def render_html(d: Decision) -> str:
    """The decision as a self-contained HTML page."""
    w = _words(d.lang)
    e = html.escape
    facts = "".join(f"<li>{e(label)}: {e(value)}</li>" for label, value in d.facts)
    rows = "".join(
        f"<tr><td><code>{e(r.rule)}</code>: {e(r.title)}</td><td>{e(r.citation)}</td>"
        f"<td>{e(d.outcome_label(r.outcome))}</td></tr>"
        for r in d.rules
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{e(d.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(d.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{e(d.title)}</h1>\n<ul>"
        f"<li>{e(w['case'])}: <code>{e(d.case_id)}</code> ({e(d.process)}, "
        f"{e(w['version'])} {d.version})</li>"
        f"<li>{e(w['by'])}: {e(d.decided_by.name)} ({e(d.decided_by.role.value)})</li>"
        f"<li>{e(w['at'])}: {e(d.decided_at.date().isoformat())}</li></ul>\n"
        f"<h2>{e(w['decided'])}</h2>\n<p>{e(d.summary)}</p>\n"
        f"<h2>{e(w['facts'])}</h2>\n<ul>{facts}</ul>\n"
        f"<h2>{e(w['rules'])}</h2>\n<table><thead><tr><th>{e(w['rule'])}</th>"
        f"<th>{e(w['citation'])}</th><th>{e(w['outcome'])}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>\n"
        f"<h2>{e(w['appeal'])}</h2>\n<p>{e(d.appeal)}</p>\n</body>\n</html>\n"
    )
