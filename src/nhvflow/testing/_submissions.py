"""Submissions under the other built-in regimes: who creates a case and
with what (the NPO of the area under ``"kc-proposal"``, a regional health
enterprise under ``"no-competence-service"``, a provider with its country
under ``"ern-membership"``), and parties certain to be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from nhvflow.errors import InvalidPayload, shown
from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.model import HEALTH_ENTERPRISES, Actor, Role, same_area
from nhvflow.testing._regime_drafts import COUNTRIES, NETWORKS, REGIMES, UNITS, often
from nhvflow.testing._values import PROGRAMME_AREAS, actors, proposals, texts

__all__ = ["Submission", "submissions", "wrong_submitters"]

Submission = tuple[Actor, dict[str, Any]]
"""The actor that creates a case, and the keyword arguments of ``submit``."""

_PROVIDERS = ("Karolinska universitetssjukhuset", "Rigshospitalet", "HUS", "Charité",
              "Oslo universitetssykehus")  # fmt: skip
_NO_TASKS = ("kompetansespredning", "rådgivning", "forskning", "veiledning")
_NO_GROUPS = ("spesialisthelsetjenesten", "primærhelsetjenesten", "kommunene", "pasienter")


def _kw(required: dict[str, Any], optional: dict[str, Any] | None = None) -> Any:
    """A payload: the ``required`` fields always, each ``optional`` one sometimes."""
    return st.fixed_dictionaries(required, optional=optional or {})


def _some(options: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    """Up to three of ``options``, each once."""
    return st.lists(st.sampled_from(options), max_size=3, unique=True)


@st.composite
def _kc_need(draw: st.DrawFn) -> Submission:
    kw = draw(proposals(advisory=draw(often(True, st.booleans()))))
    kw.update(draw(_kw({}, {"need": texts()})))
    return Actor.npo(kw["programme_area"]), kw


@st.composite
def _no_initiative(draw: st.DrawFn) -> Submission:
    area = draw(st.sampled_from(PROGRAMME_AREAS))
    kw: dict[str, Any] = {
        "title": f"Nasjonal kompetansetjeneste: {area}",
        "programme_area": area,
        **draw(_kw({}, {"target_groups": _some(_NO_GROUPS), "tasks": _some(_NO_TASKS)})),
    }
    return Actor.health_enterprise(draw(st.sampled_from(HEALTH_ENTERPRISES))), kw


@st.composite
def _ern_application(draw: st.DrawFn) -> Submission:
    claimed = draw(often(list(ERN_CRITERIA), st.lists(st.sampled_from(ERN_CRITERIA), unique=True)))
    kw: dict[str, Any] = {
        "network": draw(st.sampled_from(NETWORKS)),
        "self_assessment": claimed,
        **draw(_kw({}, {"unit": st.sampled_from(UNITS)})),
    }
    provider = Actor.provider(draw(st.sampled_from(_PROVIDERS)), draw(st.sampled_from(COUNTRIES)))
    return provider, kw


_SUBMISSIONS: dict[str, Callable[[], st.SearchStrategy[Submission]]] = {
    "kc-proposal": _kc_need,
    "no-competence-service": _no_initiative,
    "ern-membership": _ern_application,
}


def submissions(regime: str) -> st.SearchStrategy[Submission]:
    """Lawful submissions under ``regime``: the party that may create a case
    (the NPO of the area, a regional health enterprise, a provider with its
    country) and the keyword arguments of ``Registry.submit``."""
    try:
        return _SUBMISSIONS[regime]()
    except KeyError:
        raise InvalidPayload(
            "regime", f"no submissions are drawn for {shown(regime)}; one of {REGIMES}"
        ) from None


def wrong_submitters(regime: str, kw: dict[str, Any]) -> st.SearchStrategy[Actor]:
    """Parties certain to be refused when they submit ``kw`` under ``regime``:
    another role, or the submitting role out of its scope."""
    role = {"kc-proposal": Role.NPO, "no-competence-service": Role.HEALTH_ENTERPRISE,
            "ern-membership": Role.PROVIDER}[regime]  # fmt: skip
    other = actors([r for r in Role if r is not role])
    if regime == "kc-proposal":
        elsewhere = [a for a in PROGRAMME_AREAS if not same_area(a, kw["programme_area"])]
        scoped = st.sampled_from(elsewhere).map(Actor.npo)
    elif regime == "no-competence-service":
        scoped = st.sampled_from(("Helse Øst", "Helse Sør")).map(
            lambda name: Actor(Role.HEALTH_ENTERPRISE, name)
        )
    else:
        scoped = st.sampled_from(_PROVIDERS).map(lambda name: Actor(Role.PROVIDER, name))
    return st.one_of(other, scoped)
