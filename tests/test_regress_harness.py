"""The differential harness (tests/_regress.py) over PostgreSQL's own regression SQL, on 15 and 18.

Every file is replayed statement by statement on a real server, each statement predicted first as a
one-statement package. A false alarm or a wrong SQLSTATE fails the test; misses must stay at or under
the ceiling below, which only ever goes down. The one-line tally per server is printed at the end of the
run (conftest.py), and kept in the session's tally directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

from tests._regress import Score, regress_dir, regress_files, replay, setup_database
from tests.conftest import Server

pytestmark = pytest.mark.harness  # a long differential harness: its own CI step (pytest -n 2 -m harness)

FILES = regress_files()

# Misses allowed per file (both majors): refusals preflight judged and got wrong. Lower them, never raise.
#  - create_view: a view over a temporary table, named in a permanent schema (42P16);
#  - foreign_key: ALTER TABLE while deferred trigger events are pending in the open transaction (55006).
CEILINGS = {"create_view.sql": 1, "foreign_key.sql": 2}
TOTAL_CEILING = 3  # all files together, per server (checked on the session's tallies: conftest.py)


def test_the_regression_sql_is_here() -> None:
    assert len(FILES) >= 30, FILES


@pytest.mark.parametrize("name", FILES)
def test_preflight_agrees_with_the_server(pg_server: Server, name: str) -> None:
    db = f"rg_{name.removesuffix('.sql')}"
    admin = psycopg.connect(pg_server.dsn(), autocommit=True)
    try:
        conn = setup_database(admin, pg_server.dsn, db)
        try:
            tally = replay(conn, regress_dir() / name)
        finally:
            conn.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        admin.close()
    out = os.environ.get("PGWARDEN_REGRESS_TALLY")
    if out:
        Path(out, f"{pg_server.major}-{name}.json").write_text(
            json.dumps(
                {
                    "major": pg_server.major,
                    "file": name,
                    "counts": {str(k): v for k, v in tally.counts.items()},
                    "unscored": tally.unscored,
                    "cases": [
                        [str(c.score), f"{c.stmt.file}:{c.stmt.line}", c.predicted, c.server]
                        for c in tally.cases
                        if c.score in (Score.MISS, Score.FALSE_ALARM, Score.WRONG_CODE)
                    ],
                }
            )
        )
    bad = [c for c in tally.cases if c.score in (Score.FALSE_ALARM, Score.WRONG_CODE)]
    assert not bad, "\n".join(
        f"{c.score}: {c.stmt.file}:{c.stmt.line}: predicted {c.predicted}, server {c.server}: "
        f"{' '.join(c.stmt.text.split())[:160]}"
        for c in bad
    )
    misses = [c for c in tally.cases if c.score == Score.MISS]
    assert len(misses) <= CEILINGS.get(name, 0), "\n".join(
        f"miss: {c.stmt.file}:{c.stmt.line}: server {c.server}: {' '.join(c.stmt.text.split())[:160]}" for c in misses
    )
    # TOTAL_CEILING bounds the misses of all files together, per server: conftest's pytest_sessionfinish adds
    # up the tallies once every file has run and fails the session above it.
