"""``mypy --strict`` over user code: the typed steps check clean, and a
misspelt step, field or trigger, or a field of the wrong type, is an error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nhvflow

HERE = Path(__file__).parent
SOURCES = Path(nhvflow.__file__).parents[1]


CONFIG = """\
[mypy]
strict = True

[mypy-nhvflow.*]
# nhvflow is found through MYPYPATH (these sources, not an installed copy):
# report its errors as a user sees them, silenced, as for an installed package.
follow_imports = silent
"""


def mypy(path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mypy --strict`` on one file, against these nhvflow sources."""
    env = {**os.environ, "MYPYPATH": str(SOURCES)}
    config = path.parent / "mypy.ini"
    config.write_text(CONFIG, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            f"--config-file={config}",
            f"--cache-dir={cache}",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        timeout=300,
        check=False,
    )


def test_user_code_with_typed_steps_type_checks_clean(tmp_path):
    """tests/typing/api.py, written like a user's service, passes mypy --strict."""
    target = tmp_path / "api.py"
    target.write_text((HERE / "api.py").read_text(encoding="utf-8"), encoding="utf-8")
    result = mypy(target, tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_user_code_runs():
    """The user code in tests/typing/api.py also works: a case reaches its permits."""
    namespace: dict[str, object] = {"__name__": "api"}
    exec(compile((HERE / "api.py").read_text(encoding="utf-8"), "api.py", "exec"), namespace)
    main = namespace["main"]
    assert callable(main)
    main()


def test_every_error_is_exported_from_nhvflow(tmp_path):
    """Each error of nhvflow.errors is named once, in its ``__all__``;
    ``nhvflow`` re-exports it (``__all__ += errors.__all__``), the same
    class, and mypy --strict sees it exported: user code importing every
    error from ``nhvflow`` checks clean."""
    import nhvflow.errors

    names = nhvflow.errors.__all__
    assert len(names) >= 10
    for name in names:
        assert name in nhvflow.__all__
        assert getattr(nhvflow, name) is getattr(nhvflow.errors, name)
    target = tmp_path / "errors_user.py"
    target.write_text(
        f"from nhvflow import {', '.join(names)}\n\n"
        f"ERRORS: list[type[Exception]] = [{', '.join(names)}]\n",
        encoding="utf-8",
    )
    result = mypy(target, tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


MISTAKES = {
    "Decidee(units=2)": 'Name "Decidee" is not defined',
    'Decide(units="two")': 'Argument "units" to "NhvDecided" has incompatible type "str"',
    "Decide(unitz=2)": 'Unexpected keyword argument "unitz" for "NhvDecided"',
    'Withdraw(reason=["no"])': 'Argument "reason" to "ProposalWithdrawn" has incompatible type',
}


def test_misspelt_steps_and_wrong_field_types_are_type_errors(tmp_path):
    """mypy --strict flags a misspelt step class, a misspelt field, a field of
    the wrong type and a misspelt trigger name annotated as a Trigger."""
    lines = "\n".join(f"    reg.fire(case_id, {call}, sos)" for call in MISTAKES)
    source = textwrap.dedent(
        """\
        import nhvflow
        from nhvflow import Actor
        from nhvflow.steps import Decide, Trigger, Withdraw


        def steps(reg: nhvflow.Registry, case_id: str) -> None:
            sos = Actor.socialstyrelsen()
            trigger: Trigger = "decid"
            reg.fire(case_id, trigger, sos, units=2)
        """
    )
    target = tmp_path / "user.py"
    target.write_text(source + lines + "\n", encoding="utf-8")
    result = mypy(target, tmp_path / "cache")
    assert result.returncode == 1, result.stdout + result.stderr
    literal = "Incompatible types in assignment (expression has type \"Literal['decid']\""
    for expected in (*MISTAKES.values(), literal):
        assert expected in result.stdout, f"{expected!r} not in:\n{result.stdout}"
