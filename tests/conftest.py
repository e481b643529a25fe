"""Real PostgreSQL for every test: one throwaway server per major version per session.

``pg_server`` is parametrized over the majors that this machine has (PostgreSQL 15 from Debian,
18 from the embedded wheel); ``fresh_db`` gives each test its own new database on that server.
Set ``PGWARDEN_TEST_MAJORS=18`` (comma-separated) to narrow the matrix.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin
from tests import _inprocess

ALL_MAJORS = (15, 18)


def _majors() -> list[int]:
    wanted = os.environ.get("PGWARDEN_TEST_MAJORS")
    majors = [int(m) for m in wanted.split(",")] if wanted else list(ALL_MAJORS)
    have = set(pgbin.available_majors(pgbin.ALL_TOOLS))
    missing = [m for m in majors if m not in have]
    if missing and os.environ.get("CI"):
        raise RuntimeError(f"CI must test PostgreSQL {missing}, but no binaries were found for it")
    return [m for m in majors if m in have]


MAJORS = _majors()


@dataclass
class Server:
    """A running test server: a throwaway instance standing in for production."""

    major: int
    bins: pgbin.PgBinaries
    instance: ThrowawayInstance

    def dsn(self, dbname: str = "postgres") -> str:
        return self.instance.dsn(dbname)

    def describe(self) -> str:
        return f"server PostgreSQL {self.bins.version}, binaries {self.bins.bindir}"


@pytest.fixture(scope="session", params=MAJORS, ids=[f"pg{m}" for m in MAJORS])
def pg_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    bins = pgbin.find(pgbin.ALL_TOOLS, major=request.param)
    with ThrowawayInstance(bins) as inst:
        yield Server(request.param, bins, inst)


_counter = itertools.count()


@pytest.fixture
def fresh_db(pg_server: Server) -> Iterator[str]:
    """A new, empty database on ``pg_server``; returns its DSN. Dropped afterwards."""
    name = f"t_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield pg_server.dsn(name)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def named_db(server: Server, name: str) -> Iterator[str]:
    """A database ``name`` on ``server``, created empty (dropped first if a killed run left it), then dropped."""
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield server.dsn(name)
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    cwd: Path | None = None,
    in_process: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``pgwarden`` CLI (its click entry point, exit codes and output as a user sees them).

    In this process by default (tests/_inprocess.py: no interpreter start-up; ``timeout`` by SIGALRM);
    in a real ``python -m pgwarden`` child with ``in_process=False`` or :func:`run_cli_subprocess`, for what
    only a process shows; always for ``gc`` (it looks at its own pid), from a thread other than the main one,
    and when ``env`` sets what only an interpreter's start-up reads (``PYTHON*``).
    ``PGWARDEN_TEST_CLI_SUBPROCESS=1`` makes every run a subprocess (to tell the two apart when a test fails).
    """
    if in_process and not _inprocess.needs_process(args, env) and not os.environ.get("PGWARDEN_TEST_CLI_SUBPROCESS"):
        return _inprocess.run_in_process(args, env=env, cwd=cwd, timeout=timeout)
    return _inprocess.run_subprocess(*args, env=env, timeout=timeout, cwd=cwd)


def run_cli_subprocess(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pgwarden`` in a real child process: signals, crashes, its environment, argv and terminals."""
    return _inprocess.run_subprocess(*args, env=env, timeout=timeout, cwd=cwd)


ENVELOPE_KEYS = {"schema_version", "command", "status", "exit_code", "kit"}


def envelope(r: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The ``--json`` envelope of a CLI run: checked to be well formed and to agree with the exit code."""
    body = json.loads(r.stdout)
    assert set(body) >= ENVELOPE_KEYS, body
    assert body["exit_code"] == r.returncode, (body, r.stderr)
    assert ("result" in body) != ("error" in body), body
    return dict(body)


def result_of(r: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The ``result`` of a ``--json`` CLI run ({} when it ended with an error)."""
    return dict(envelope(r).get("result") or {})


@pytest.fixture
def cli():
    return run_cli


def shared_dataset(*parts: str) -> Path:
    """A file of the steering repo's ``shared/datasets`` (beside this clone in CI). Missing in CI is a failure."""
    here = Path(__file__).resolve().parents[1]
    for base in (here.parent / "shared" / "datasets", Path("/work/shared/datasets")):
        path = base.joinpath(*parts)
        if path.is_file():
            return path
    if os.environ.get("CI"):
        raise RuntimeError(f"shared/datasets/{'/'.join(parts)} is missing beside the clone")
    pytest.skip(f"shared/datasets/{'/'.join(parts)} is not here")


PAGILA_PARTS = ("pagila", "pagila-schema.sql")


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a real ENOSPC, not a simulated one. Needs root (CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


# -- the regression harness's tally (tests/test_regress_harness.py) ------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    """One directory for the harness's per-file tallies, shared with the xdist workers (they inherit it)."""
    if not os.environ.get("PGWARDEN_REGRESS_TALLY") and not hasattr(config, "workerinput"):
        import tempfile

        os.environ["PGWARDEN_REGRESS_TALLY"] = tempfile.mkdtemp(prefix="pgwarden-regress-tally-")


_OVER_THE_TOTAL: list[str] = []  # the harness's total ceiling, broken (pytest_sessionfinish -> the summary)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The harness's misses of all files together stay at or under its TOTAL_CEILING, per server: counted on the
    tallies every file wrote (by every xdist worker), so it runs here, once, after them all. Above it the session
    fails."""
    out = os.environ.get("PGWARDEN_REGRESS_TALLY")
    if hasattr(session.config, "workerinput") or not out or not Path(out).is_dir():
        return
    misses: dict[int, int] = {}
    for f in sorted(Path(out).glob("*.json")):
        data = json.loads(f.read_text())
        misses[int(data["major"])] = misses.get(int(data["major"]), 0) + int(data["counts"].get("miss", 0))
    if not misses:
        return
    from tests.test_regress_harness import TOTAL_CEILING

    for major, n in sorted(misses.items()):
        if n > TOTAL_CEILING:
            _OVER_THE_TOTAL.append(
                f"regression-suite harness, PostgreSQL {major}: {n} misses in all, over the "
                f"ceiling of {TOTAL_CEILING} (tests/test_regress_harness.py TOTAL_CEILING)"
            )
    if _OVER_THE_TOTAL:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The one-line tally per server: agree, miss, false alarm, wrong code, and what was not predicted."""
    for line in _OVER_THE_TOTAL:
        terminalreporter.write_line(f"FAILED {line}", red=True)
    out = os.environ.get("PGWARDEN_REGRESS_TALLY")
    if hasattr(config, "workerinput") or not out or not Path(out).is_dir():
        return
    by_major: dict[int, dict[str, int]] = {}
    files: dict[int, int] = {}
    for f in sorted(Path(out).glob("*.json")):
        data = json.loads(f.read_text())
        counts = by_major.setdefault(int(data["major"]), {})
        files[int(data["major"])] = files.get(int(data["major"]), 0) + 1
        for k, v in data["counts"].items():
            counts[k] = counts.get(k, 0) + int(v)
        counts["not scored"] = counts.get("not scored", 0) + int(data["unscored"])
    for major, c in sorted(by_major.items()):
        scored = sum(v for k, v in c.items() if k != "not scored")
        terminalreporter.write_line(
            f"regression-suite harness, PostgreSQL {major} ({files[major]} files): {scored} scored: agree "
            f"{c.get('agree', 0)}, miss {c.get('miss', 0)}, false alarm {c.get('false alarm', 0)}, wrong code "
            f"{c.get('wrong code', 0)}; not predicted {c.get('not predicted', 0)}, warned {c.get('warned', 0)}, "
            f"data {c.get('data', 0)}; {c.get('not scored', 0)} not scored"
        )
