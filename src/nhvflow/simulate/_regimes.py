"""What a simulation needs to know of each regime it can run: the steps its
cases are counted in (the funnel and the days per step), which trigger
belongs to which step, and which final states mean that a proposal ended
with an establishment (permits granted, centres established, a service
approved).

The steps come from the regime's process table where it numbers them
(``Transition.step``): ``nhv`` numbers all eight of Socialstyrelsen's
steps, ``kc-proposal`` the four points of the report's proposal. Where the
table leaves a transition unnumbered the simulation numbers it here, and
says so: ``kc-proposal``'s ``evaluate`` is step 5, and the Norwegian table
numbers nothing, so its six steps are the simulation's reading of
Socialstyrelsen's report of 2019 ("Norges system för nationella
kompetenstjänster").

Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from nhvflow.states import KC, NHV, NORWAY, Process

__all__ = [
    "REGIMES",
    "SIMULATED_PROCESSES",
    "STEP_LABELS",
    "STEP_LABELS_SV",
    "RegimeSteps",
    "regime_steps",
]


@attrs.frozen
class RegimeSteps:
    """The steps of one regime as a simulation counts them.

    ``labels``: step key -> English label, in the order of the process
    (``labels_sv``: the Swedish ones, see :meth:`label`);
    ``triggers``: trigger -> the step key it counts for (a trigger not
    named counts for no step); ``approved``: the final states that mean the
    proposal ended with an establishment.

    .. versionadded:: 0.1
    """

    process: str
    labels: dict[str, str]
    triggers: dict[str, str]
    approved: frozenset[str]
    labels_sv: dict[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        unknown = sorted({s for s in self.triggers.values() if s not in self.labels})
        if unknown:
            raise ValueError(f"{self.process}: steps {unknown} have no label")

    @property
    def keys(self) -> tuple[str, ...]:
        """The step keys, in order (the first is the proposal itself)."""
        return tuple(self.labels)

    def label(self, step: str, lang: str = "en") -> str:
        """The label of ``step`` in ``lang`` (``"en"`` or ``"sv"``; English
        where there is no Swedish one)."""
        if lang == "sv" and step in self.labels_sv:
            return self.labels_sv[step]
        return self.labels[step]

    def of(self, trigger: str) -> str | None:
        """The step ``trigger`` counts for, or ``None``."""
        return self.triggers.get(trigger)

    @classmethod
    def from_table(
        cls,
        process: Process,
        labels: Mapping[str, str],
        *,
        approved: frozenset[str],
        unnumbered: Mapping[str, str] | None = None,
        labels_sv: Mapping[str, str] | None = None,
    ) -> RegimeSteps:
        """The steps of ``process``'s table (``Transition.step``), with
        ``unnumbered`` numbering the transitions the table leaves without one."""
        triggers = {t: tr.step for t, tr in process.transitions.items() if tr.step}
        for trigger, step in (unnumbered or {}).items():
            if trigger not in process.transitions:
                raise ValueError(f"{process.name}: no trigger {trigger!r}")
            if trigger in triggers:
                raise ValueError(f"{process.name}: {trigger!r} is numbered by the table")
            triggers[trigger] = step
        missing = sorted(approved - set(process.states))
        if missing:
            raise ValueError(f"{process.name}: no states {missing}")
        return cls(process.name, dict(labels), triggers, approved, dict(labels_sv or {}))


STEP_LABELS: dict[str, str] = {
    "1": "Proposal (NPO)",
    "2": "Basis (expert group)",
    "3": "Consultation and preparation",
    "4": "Decision on NHV",
    "5": "Permit applications",
    "6": "Preparation for the board",
    "7": "Permit decision (board)",
    "8": "Follow-up and evaluation",
}
"""The eight steps of Socialstyrelsen's work process (the NHV page, 2019), in English."""

STEP_LABELS_SV: dict[str, str] = {
    "1": "Förslag (NPO)",
    "2": "Underlag (sakkunniggrupp)",
    "3": "Remiss och beredning",
    "4": "Beslut om NHV",
    "5": "Ansökningar om tillstånd",
    "6": "Beredning inför nämnden",
    "7": "Beslut om tillstånd (nämnden)",
    "8": "Uppföljning och utvärdering",
}
"""The eight steps of Socialstyrelsen's work process, in Swedish."""

REGIMES: dict[str, RegimeSteps] = {
    "nhv": RegimeSteps.from_table(
        NHV, STEP_LABELS, approved=frozenset({"permitted"}), labels_sv=STEP_LABELS_SV
    ),
    "kc-proposal": RegimeSteps.from_table(
        KC,
        {
            "1": "Need defined (NPO)",
            "2": "Centres and tasks (expert group)",
            "3": "System effects (preparation group)",
            "4": "Applications and establishment",
            "5": "Evaluation",
        },
        approved=frozenset({"established"}),
        unnumbered={"evaluate": "5"},
        labels_sv={
            "1": "Behov definierat (NPO)",
            "2": "Centrum och uppdrag (sakkunniggrupp)",
            "3": "Systemeffekter (beredningsgrupp)",
            "4": "Ansökningar och inrättande",
            "5": "Utvärdering",
        },
    ),
    "no-competence-service": RegimeSteps.from_table(
        NORWAY,
        {
            "1": "Initiative (health enterprise)",
            "2": "Support of the others and application",
            "3": "Review (directorate, with experts)",
            "4": "Decision (ministry)",
            "5": "Annual reports",
            "6": "Wind-down (ministry)",
        },
        approved=frozenset({"active", "wound_down"}),
        unnumbered={
            "submit": "1",
            "support": "2",
            "apply": "2",
            "review": "3",
            "approve": "4",
            "refuse": "4",
            "report_annually": "5",
            "wind_down": "6",
        },
        labels_sv={
            "1": "Initiativ (hälsoföretag)",
            "2": "De andras stöd och ansökan",
            "3": "Granskning (direktoratet, med experter)",
            "4": "Beslut (departementet)",
            "5": "Årsrapporter",
            "6": "Avveckling (departementet)",
        },
    ),
}
"""The steps of every regime a simulation can run, by ``Scenario.process``."""

SIMULATED_PROCESSES: tuple[str, ...] = tuple(REGIMES)
"""The regimes :func:`nhvflow.simulate.run` can simulate (``Scenario.process``)."""


def regime_steps(process: str) -> RegimeSteps:
    """The steps of regime ``process`` (one of :data:`SIMULATED_PROCESSES`).

    .. versionadded:: 0.1
    """
    try:
        return REGIMES[process]
    except KeyError:
        raise KeyError(
            f"{process!r} is not a simulated regime; they are {', '.join(SIMULATED_PROCESSES)}"
        ) from None
