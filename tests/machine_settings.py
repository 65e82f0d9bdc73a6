"""Hypothesis settings shared by the state-machine tests of
``tests/properties`` (importable: ``tests`` is on pytest's ``pythonpath``)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

TEETH = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    derandomize=True,  # the same runs in every CI job: no flaky teeth
    database=None,
    phases=[Phase.generate],  # the first counterexample will do; no shrinking
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
"""For the teeth tests: a broken rule must be found; stop at the first failure."""
