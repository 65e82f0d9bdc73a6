"""The code in docs/testing.md runs as written, and the subclass example
stays under thirty lines."""

from __future__ import annotations

import re
import textwrap
import unittest
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import nhvflow.testing
from nhvflow.testing import ProcessStateMachine

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def test_the_subclass_example_is_under_thirty_lines():
    """The guide shows a user's own invariants in under thirty lines of code."""
    (example,) = [b for b in code_blocks() if "class MyProcess" in b]
    assert len(example.strip().splitlines()) < 30


def test_the_guide_runs_as_written():
    """Every code block runs in order; its tests pass and its machines run."""
    namespace: dict[str, Any] = {"__name__": "testing_guide"}
    for block in code_blocks():
        exec(compile(block, str(GUIDE), "exec"), namespace)
    namespace["test_a_lawful_group_may_be_appointed"]()
    my_process = namespace["MyProcess"]
    assert issubclass(my_process, ProcessStateMachine)
    assert issubclass(namespace["TestMyProcess"], unittest.TestCase)
    assert issubclass(namespace["TestProcess"], unittest.TestCase)
    brief = settings(my_process.TestCase.settings, max_examples=5, database=None)
    run_state_machine_as_test(my_process, settings=brief)
    last = nhvflow.testing.paths("ern-membership")[-1]
    namespace["test_every_state_and_rule_outcome_is_reached"](last)
    namespace["test_my_machine_notices_a_missing_cap"]()
    norwegian = namespace["NorwegianServices"]
    assert norwegian.regime == "no-competence-service"
    assert issubclass(namespace["TestNorwegianServices"], unittest.TestCase)
    run_state_machine_as_test(norwegian, settings=settings(brief, stateful_step_count=20))


def test_the_examples_in_the_module_docstring_run():
    """The three examples in nhvflow.testing's docstring run as written."""
    doc = nhvflow.testing.__doc__ or ""
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", doc)
    assert len(blocks) == 3
    namespace: dict[str, Any] = {"__name__": "testing_docstring"}
    for block in blocks:
        exec(textwrap.dedent(block), namespace)
    namespace["test_lawful_groups_are_appointed"]()
    my_process = namespace["MyProcess"]
    brief = settings(my_process.TestCase.settings, max_examples=5, database=None)
    run_state_machine_as_test(my_process, settings=brief)
    namespace["test_every_state_and_rule_outcome_is_reached"](nhvflow.testing.paths("nhv")[0])
