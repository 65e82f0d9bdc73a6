"""Fixtures for the command's tests: a real log written by the demo (once per
run), copies of it for tests that change a log, and a runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import nhvflow
from nhvflow.cli import main
from nhvflow.cli._demo import run


@pytest.fixture(name="demo_log", scope="session")
def _demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pilot proposals' log, as `nhvflow demo` writes it (read-only for tests)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    lines: list[str] = []
    assert run(path, write=lines.append) == 0, "\n".join(lines)
    return path


@pytest.fixture(name="log_copy")
def _log_copy(demo_log: Path, tmp_path: Path) -> Path:
    """A copy of the demo log that a test may change."""
    copy = tmp_path / "copy.sqlite"
    with nhvflow.open(demo_log):  # checkpoints the WAL into the main file on close
        pass
    shutil.copy(demo_log, copy)
    return copy


@pytest.fixture(name="case_ids", scope="session")
def _case_ids(demo_log: Path) -> dict[str, str]:
    """The demo's case ids by title."""
    with nhvflow.open(demo_log) as reg:
        return {c.data["title"]: c.id for c in reg.cases()}


Invoke = Callable[..., Result]


@pytest.fixture(name="nhvflow_cmd")
def _nhvflow_cmd() -> Invoke:
    """Run the command in-process: ``nhvflow_cmd("verify", path)``."""
    runner = CliRunner()

    def invoke(*args: object, **kwargs: object) -> Result:
        return runner.invoke(main, [str(a) for a in args], **kwargs)  # type: ignore[arg-type]

    return invoke
