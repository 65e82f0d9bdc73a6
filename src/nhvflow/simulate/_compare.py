"""One population under several regimes: :class:`Comparison`, what
:func:`nhvflow.simulate.compare` returns, with its JSON and rich tables.

Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from rich.console import Group
from rich.table import Table

from nhvflow.errors import InvalidPayload, shown
from nhvflow.simulate._regimes import SIMULATED_PROCESSES
from nhvflow.simulate._result import SimulationResult
from nhvflow.simulate._scenario import Scenario
from nhvflow.simulate._words import Lang, check_lang, state_words, word

__all__ = ["Comparison", "check_processes", "comparison_db"]


def check_processes(processes: object) -> tuple[str, ...]:
    """``processes`` as a tuple of simulated regimes, each once; raises
    :class:`InvalidPayload` (a ``ValueError``) naming what is wrong."""
    if isinstance(processes, str):
        raise InvalidPayload(
            "processes", f"must be a sequence of regimes, not one string ({shown(processes)})"
        )
    if not isinstance(processes, list | tuple) or not processes:
        raise InvalidPayload("processes", f"must name at least one regime (got {shown(processes)})")
    out: tuple[str, ...] = tuple(processes)
    for process in out:
        if process not in SIMULATED_PROCESSES:
            raise InvalidPayload(
                "processes",
                f"{shown(process)} cannot be simulated; the simulated regimes are "
                f"{', '.join(SIMULATED_PROCESSES)}",
            )
    if len(set(out)) != len(out):
        raise InvalidPayload("processes", f"names a regime twice ({', '.join(out)})")
    return out


def comparison_db(db: str | Path, process: str) -> Path:
    """Where regime ``process`` writes its log in a comparison with ``db``:
    ``stem-process.suffix`` beside it (``out.sqlite`` -> ``out-nhv.sqlite``)."""
    path = Path(db)
    return path.with_name(f"{path.stem}-{process}{path.suffix}")


def _both(value: int | None) -> str:
    return "-" if value is None else str(value)


@attrs.frozen
class Comparison(Mapping[str, SimulationResult]):
    """The same population of proposals (one scenario, one seed) simulated
    under several regimes: a read-only mapping of regime -> its
    :class:`SimulationResult`, in the order the regimes were given.

    ``scenario`` is the scenario as given (each result's own scenario names
    its regime); ``seeds`` the seeds of the replications (one, unless
    ``replications`` was given).

    .. versionadded:: 0.1
    """

    scenario: Scenario
    seeds: tuple[int, ...]
    results: dict[str, SimulationResult]

    def __getitem__(self, process: str) -> SimulationResult:
        return self.results[process]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def processes(self) -> tuple[str, ...]:
        """The regimes compared, in order."""
        return tuple(self.results)

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per regime, the figures to compare: proposals, the proposals that
        ended with an establishment (all, and advisory-only), advisory-only
        proposals by final state, refused steps and days end to end."""
        out: dict[str, dict[str, Any]] = {}
        for process, r in self.results.items():
            out[process] = {
                "proposals": r.proposals,
                "events": r.events,
                "approved_states": sorted(r.approved_states),
                "approved": r.approved,
                "advisory_only": r.advisory_only,
                "advisory_only_approved": r.advisory_only_approved,
                "advisory_only_outcomes": r.advisory_only_outcomes,
                "refused_steps": sum(r.refused_steps.values()),
                "end_to_end": attrs.asdict(r.end_to_end),
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        """The comparison as a JSON-ready dict: the summary, then every
        regime's whole result (:meth:`SimulationResult.to_dict`)."""
        return {
            "processes": list(self.processes),
            "seeds": list(self.seeds),
            "summary": self.summary(),
            "results": {p: r.to_dict() for p, r in self.results.items()},
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def render_table(self, *, lang: Lang = "en") -> Group:
        """The comparison as rich tables, in English or (``lang="sv"``)
        Swedish: one column per regime; then the advisory-only proposals by
        final state and the refusals per rule of each regime (the rules'
        titles are in each result's own :func:`~nhvflow.simulate.render_table`
        and ``nhvflow rules``).

        .. versionadded:: 0.1
        """
        lang = check_lang(lang)

        def w(text: str) -> str:
            return word(text, lang)

        def ended(process: str, r: SimulationResult) -> str:
            states = (state_words(process, s, lang) for s in sorted(r.approved_states))
            return f" {w('or')} ".join(states) + f" ({process})"

        head = Table(
            title=w("One population under each regime"),
            title_justify="left",
            caption=f"{w('established')}: {w('ended')} "
            + "; ".join(ended(p, r) for p, r in self.results.items())
            + f". {w('Seeds')} {', '.join(map(str, self.seeds))}.",
            caption_justify="left",
        )
        head.add_column("", no_wrap=True)
        for process in self.processes:
            head.add_column(process, justify="right", overflow="fold")
        results = list(self.results.values())

        def row(label: str, values: list[str]) -> None:
            head.add_row(label, *values)

        row(w("proposals"), [str(r.proposals) for r in results])
        row(w("established"), [str(r.approved) for r in results])
        row(w("advisory only"), [str(r.advisory_only) for r in results])
        row("  " + w("established"), [str(r.advisory_only_approved) for r in results])
        row(
            "  " + w("not established"),
            [str(r.advisory_only - r.advisory_only_approved) for r in results],
        )
        row(w("refused steps"), [str(sum(r.refused_steps.values())) for r in results])
        row(
            w("days to settle: median (p90)"),
            [f"{_both(r.end_to_end.median)} ({_both(r.end_to_end.p90)})" for r in results],
        )
        row(w("events written"), [str(r.events) for r in results])

        advisory = Table(title=w("Advisory-only proposals, by final state"), title_justify="left")
        advisory.add_column(w("regime"))
        advisory.add_column(w("final state"))
        advisory.add_column(w("an establishment"))
        advisory.add_column(w("proposals"), justify="right")
        for process, r in self.results.items():
            for state, count in r.advisory_only_outcomes.items():
                established = w("yes") if state in r.approved_states else w("no")
                advisory.add_row(
                    process, state_words(process, state, lang), established, str(count)
                )

        refusals = Table(title=w("Refused steps, by rule"), title_justify="left")
        refusals.add_column(w("regime"))
        refusals.add_column(w("rule"), no_wrap=True)
        refusals.add_column(w("refusals"), justify="right")
        for process, r in self.results.items():
            for rule, count in r.refusals.items():
                refusals.add_row(process, rule, str(count))
            if not r.refusals:
                refusals.add_row(process, w("(none)"), "0")
        return Group(head, advisory, refusals)
