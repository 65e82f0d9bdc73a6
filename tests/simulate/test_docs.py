"""The examples in docs/simulations.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

from nhvflow.simulate import LogNormal, Scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulations.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_python_examples_run():
    """The quick start, the Swedish report and the comparison run, in order,
    and their assertions hold."""
    quick_start, *others = blocks("python")
    namespace: dict[str, object] = {}
    exec(compile(quick_start.replace("proposals=250", "proposals=30"), str(DOC), "exec"), namespace)
    for block in others:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert namespace["comparison"].processes == (  # type: ignore[attr-defined]
        "nhv",
        "kc-proposal",
        "no-competence-service",
    )


def test_the_toml_scenario_loads(tmp_path):
    """The documented TOML scenario is a valid scenario with the values it shows."""
    (text,) = blocks("toml")
    path = tmp_path / "doc.toml"
    path.write_text(text, encoding="utf-8")
    scenario = Scenario.from_toml(path)
    assert scenario.durations.basis == LogNormal(240, 0.35)
    assert [a.name for a in scenario.programme_areas] == [
        "Nervsystemets sjukdomar",
        "Reumatiska sjukdomar",
    ]
    assert scenario.regions["GOTLAND"] == 0.5
