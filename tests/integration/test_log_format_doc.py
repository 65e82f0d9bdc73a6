"""docs/log-format.md says what the code does: its Python examples run and
agree with ``chain_hash`` and the engine, its tables list the real columns,
triggers and event types, and every command it shows runs on a real log."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import nhvflow
from nhvflow import Actor, _payload
from nhvflow.engine._request import encode_request
from nhvflow.events.nhv import ProposalSubmitted
from nhvflow.fixtures import advance, proposal
from nhvflow.states import builtin_processes
from nhvflow.store._chain import GENESIS, chain_hash

DOC = Path(__file__).resolve().parents[2] / "docs" / "log-format.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = [
    (m["lang"], m["tag"].strip(), m["body"])
    for m in re.finditer(
        r"^```(?P<lang>\w*)(?P<tag>[^\n]*)\n(?P<body>.*?)^```$", TEXT, re.MULTILINE | re.DOTALL
    )
]
COMMANDS = [
    line
    for lang, _, body in BLOCKS
    if lang == "sh"
    for line in body.splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def section(title):
    """The text under a heading, up to the next heading."""
    start = TEXT.index(f"\n{title}\n")
    end = TEXT.find("\n#", start + len(title) + 2)
    return TEXT[start : end if end != -1 else len(TEXT)]


def first_column(text):
    """The backticked names in the first column of the first Markdown table in ``text``."""
    table = re.search(r"(?:^\|.*\n)+", text, re.MULTILINE)
    assert table is not None
    return re.findall(r"^\| `([^`]+)` \|", table.group(0), re.MULTILINE)


@pytest.fixture(name="doc", scope="module")
def _doc():
    """The namespace after running the Python blocks of the document in order."""
    namespace: dict[str, object] = {}
    for lang, tag, body in BLOCKS:
        if lang == "python":
            exec(compile(body, f"{DOC.name}:{tag}", "exec"), namespace)
    return namespace


@pytest.fixture(name="workdir", scope="module")
def _workdir(tmp_path_factory):
    """A directory holding ``nhv.sqlite``: three cases and the mapping, through the public API."""
    workdir = tmp_path_factory.mktemp("doc")
    npo = Actor.npo("Nervsystemets sjukdomar")
    with nhvflow.open(workdir / "nhv.sqlite") as reg:
        for n, state in enumerate(("permitted", "decided", "permitted")):
            case = reg.submit(npo, at=f"2019-0{n + 1}-01T09:00:00+00:00", **proposal())
            advance(reg, case.id, state)
        reg.complete_mapping(Actor.socialstyrelsen(), at="2023-05-05T09:00:00+00:00")
    return workdir


def test_the_worked_example_is_what_chain_hash_computes(doc):
    """The two hashes the document asserts are the ones nhvflow writes for those rows."""
    prev = GENESIS
    for row, documented in zip(doc["rows"], (doc["first"], doc["second"]), strict=True):
        prev = chain_hash(prev, **row)
        assert prev == documented
    assert re.search(rf'assert second == "{doc["second"]}"', TEXT)


def test_the_hashed_text_shown_is_the_second_events_array(doc):
    """The array printed under the example is exactly what is hashed for event 2."""
    row = doc["rows"][1]
    body = json.dumps([row[c] for c in doc["COLUMNS"]], ensure_ascii=False, separators=(",", ":"))
    assert f"\n{body}\n" in TEXT


def test_the_request_hash_recipe_is_the_engines(doc):
    """The documented request fingerprint equals the engine's for the same submission."""
    row = doc["rows"][0]
    actor = Actor.npo("Nervsystemets sjukdomar")
    assert json.loads(row["actor"]) == actor.to_json()
    fact = _payload.parse(ProposalSubmitted, json.loads(row["payload"]))
    engine = encode_request(
        "c-1", "submit", actor, fact, "2019-03-01T09:00:00.000000+00:00", "nhv"
    ).hash
    assert engine == row["request_hash"]


def test_the_standard_library_checker_agrees_with_verify(doc, workdir, tmp_path):
    """``check_log`` passes a real log and names the same position as
    ``verify()`` once an event is edited."""
    path = tmp_path / "copy.sqlite"
    shutil.copyfile(workdir / "nhv.sqlite", path)
    with nhvflow.open(path) as reg:
        total = reg.store.count_events()
    assert doc["check_log"](path) == (total, None)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute(
        "UPDATE events SET occurred_at = '2019-01-01T00:00:00.000000+00:00' WHERE position = 7"
    )
    conn.commit()
    conn.close()
    assert doc["check_log"](path) == (7, 7)
    with nhvflow.open(path) as reg:
        assert reg.verify().first_bad_position == 7


def test_the_documented_triggers_are_the_ones_the_file_has(workdir):
    """The SQL shown is, but for line breaks, the triggers' SQL in the file."""
    [sql] = [body for lang, _, body in BLOCKS if lang == "sql"]
    conn = sqlite3.connect(workdir / "nhv.sqlite")
    actual = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name DESC"
    ).fetchall()
    conn.close()
    assert " ".join(sql.split()) == " ".join(" ".join(f"{s};" for (s,) in actual).split())


@pytest.mark.parametrize(
    "table", ["events", "cases", "permits", "facts", "regions", "case_overview", "permit_overview"]
)
def test_every_column_of_every_table_is_documented(workdir, table):
    """Each table's and view's section lists its columns, in the file's order."""
    conn = sqlite3.connect(workdir / "nhv.sqlite")
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    conn.close()
    [heading] = [h for h in re.findall(r"^### `\w+`.*$", TEXT, re.MULTILINE) if f"`{table}`" in h]
    assert first_column(section(heading)) == columns


def test_the_meta_keys_are_documented(workdir):
    conn = sqlite3.connect(workdir / "nhv.sqlite")
    keys = [r[0] for r in conn.execute("SELECT key FROM nhvflow_meta ORDER BY rowid")]
    conn.close()
    assert first_column(section("### `nhvflow_meta`: what this file is")) == keys


def test_the_event_type_table_lists_every_event_of_the_process_in_force():
    nhv = builtin_processes()["nhv"]
    expected = [(t.event.type, t.trigger, t.event.schema_version) for t in nhv.transitions.values()]
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)`[^|]* \| (\d+) \|$", TEXT, re.MULTILINE)
    documented = [(kind, trigger, int(schema)) for kind, trigger, schema in rows]
    assert documented[:-2] == expected
    assert documented[-2:] == [
        ("MappingCompleted", "complete_mapping", 1),
        ("PilotDesignated", "designate_pilot", 1),
    ]


def _tool_missing(command):
    tool = command.split()[0]
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which(tool, path=path) is None


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_shown_runs_on_a_real_log(workdir, command):
    """Each command of the ``sh`` blocks, pasted into a shell in a directory
    holding ``nhv.sqlite``, succeeds and prints something (Datasette's only
    where it is installed; it is not a dependency)."""
    if _tool_missing(command):
        pytest.skip(f"{command.split()[0]} is not installed")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        command, shell=True, cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    if ".backup" in command:
        assert (workdir / "nhv-snapshot.sqlite").stat().st_size > 0
    else:
        assert done.stdout.strip()
