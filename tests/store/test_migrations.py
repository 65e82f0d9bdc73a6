"""The SQLite log's migrations: named once in the layout, loaded only when one is due."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlite_utils

import nhvflow
from nhvflow import Actor
from nhvflow.store._sqlite._migrations import migrations
from nhvflow.store._sqlite._schema import MIGRATIONS


def test_the_layout_names_every_migration_in_order():
    """A log is judged up to date by these names; a migration added to
    ``_migrations`` and not named here would never be applied to a log that
    has the others."""
    assert tuple(m.name for m in migrations.pending(sqlite_utils.Database(memory=True))) == (
        MIGRATIONS
    )


_PROBE = """
import sys, warnings
warnings.simplefilter("ignore")
import nhvflow
loaded = lambda: sorted(m for m in ("sqlite_utils", "numpy") if m in sys.modules)
print(loaded())
nhvflow.open(sys.argv[1]).close()
nhvflow.open(sys.argv[1], readonly=True).close()
print(loaded())
nhvflow.open(sys.argv[2]).close()
print("sqlite_utils" in sys.modules)
"""


def test_an_up_to_date_log_opens_without_loading_the_migrations(tmp_path: Path):
    """Importing nhvflow and opening a log that has every migration loads
    neither ``sqlite_utils`` nor the ``numpy`` it imports when installed
    (a fifth of a second and some megabytes in the host's process); a new
    log loads them to lay itself out."""
    existing = tmp_path / "existing.sqlite"
    with nhvflow.open(existing) as reg:
        reg.complete_mapping(Actor.socialstyrelsen())
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(existing), str(tmp_path / "new.sqlite")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert out[:3] == ["[]", "[]", "True"]


def test_a_log_missing_a_migration_gains_it_when_opened_for_writing(tmp_path: Path):
    """The layout check reads the log's record of its migrations: one that
    lacks the last is brought up to date, and verifies."""
    path = tmp_path / "old.sqlite"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before=MIGRATIONS[-1])
    db.close()
    with nhvflow.open(path) as reg:
        assert reg.verify().ok
    applied = sqlite_utils.Database(path).execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'nhvflow' ORDER BY rowid"
    )
    assert tuple(row[0] for row in applied.fetchall()) == MIGRATIONS


_FILTERS = """
import sys, warnings
before = list(warnings.filters)
import nhvflow
after_import = list(warnings.filters)
nhvflow.open(sys.argv[1]).close()
print(after_import == before, list(warnings.filters) == before)
"""


def test_laying_out_a_new_log_leaves_the_hosts_warning_filters_as_they_were(tmp_path: Path):
    """The migrations load sqlite_utils, which imports numpy where it is
    installed, and numpy adds filters to :mod:`warnings`: neither importing
    nhvflow nor laying out a new log leaves one in the host's filters."""
    out = subprocess.run(
        [sys.executable, "-c", _FILTERS, str(tmp_path / "new.sqlite")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["True", "True"]
