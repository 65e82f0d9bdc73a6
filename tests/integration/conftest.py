"""Integration fixtures: real SQLite files and real writer processes.

``spawn(path, mode, **spec)`` starts ``worker.py`` in a new Python process
(a fresh interpreter, as the ``spawn`` start method would give) and returns
a :class:`Worker` whose stdout lines arrive through a reader thread, so that
no read can hang a test. Every worker still running when its test ends is
killed (by its own pid) and reaped.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

WORKER = Path(__file__).with_name("worker.py")
WAIT = 60.0
"""Seconds to wait for a worker's line or exit before failing (never reached when healthy)."""


class Worker:
    """One writer process and the JSON lines it has printed."""

    def __init__(self, path: Path, mode: str, spec: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(path), mode, json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.endswith("\n"):  # a line cut short by a kill is no report
                self._lines.put(json.loads(line))
        self._lines.put(None)

    def next(self) -> dict[str, Any]:
        """The next line the worker printed (fails the test on EOF or timeout)."""
        try:
            line = self._lines.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"worker {self.proc.pid} printed nothing for {WAIT} s")
        if line is None:
            pytest.fail(f"worker {self.proc.pid} ended early:\n{self.stderr()}")
        self.seen.append(line)
        return line

    def ready(self) -> Worker:
        assert self.next() == {"ready": True}
        return self

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def until(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Read lines until one satisfies ``predicate``; return it."""
        while True:
            line = self.next()
            if predicate(line):
                return line

    def finish(self) -> list[dict[str, Any]]:
        """Wait for the worker to exit (it must succeed); every line it printed."""
        self._drain()
        assert self.proc.wait(timeout=WAIT) == 0, self.stderr()
        return self.seen

    def kill(self) -> list[dict[str, Any]]:
        """SIGKILL the worker (no handler, no cleanup); every line it printed before."""
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=WAIT) == -signal.SIGKILL
        self._drain()
        return self.seen

    def _drain(self) -> None:
        self._reader.join(timeout=WAIT)
        while True:
            line = self._lines.get_nowait() if not self._lines.empty() else None
            if line is None:
                return
            self.seen.append(line)

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=WAIT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(name="spawn")
def _spawn() -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def spawn(path: Path, mode: str, **spec: Any) -> Worker:
        worker = Worker(path, mode, spec)
        workers.append(worker)
        return worker

    yield spawn
    for worker in workers:
        worker.stop()


def start_together(workers: list[Worker]) -> None:
    """Wait until every worker has opened the log, then let them all go at once."""
    for worker in workers:
        worker.ready()
    for worker in workers:
        worker.go()


@pytest.fixture(name="together")
def _together() -> Callable[[list[Worker]], None]:
    return start_together


def accepted_steps(lines: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """The (case, version, type) of every step a worker reported as returned."""
    return [(x["case"], x["version"], x["type"]) for x in lines if "case" in x and "type" in x]


@pytest.fixture(name="accepted")
def _accepted() -> Callable[[list[dict[str, Any]]], list[tuple[str, int, str]]]:
    return accepted_steps
