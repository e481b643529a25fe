"""The differential corpus: for every case, preflight's prediction equals what the server did.

One database per corpus file per major (its setup committed once); every case runs in a transaction
that is rolled back. A disagreement is a failing test, never a skipped one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from tests._preflight_helpers import Case, load_corpus, run_case

FILES = load_corpus()
CASES = [c for f in FILES for c in f.cases]
ROLES = ("pfc_alice", "pfc_bob")


@pytest.fixture(scope="module")
def corpus_conns(pg_server: Any) -> Iterator[dict[str, psycopg.Connection[Any]]]:
    """A database per corpus file, set up once; one open connection to each."""
    admin = psycopg.connect(pg_server.dsn(), autocommit=True)
    for role in ROLES:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} NOLOGIN")
    conns: dict[str, psycopg.Connection[Any]] = {}
    names = []
    try:
        for f in FILES:
            name = f"pfc_{f.path.stem}"
            names.append(name)
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            conn = psycopg.connect(pg_server.dsn(name))
            with conn.transaction():
                conn.execute(f.setup)
            conns[f.path.name] = conn
        yield conns
    finally:
        for conn in conns.values():
            conn.close()
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in ROLES:
            admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()


def test_corpus_is_large_enough() -> None:
    """At least 60 statements, and every rule has both a refusal and a passing near miss."""
    assert len(CASES) >= 60
    assert any(c.expected(18) == "ok" for c in CASES)
    assert sum(1 for c in CASES if c.expected(18) not in (None, "ok")) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_prediction_matches_server(
    pg_server: Any, corpus_conns: dict[str, psycopg.Connection[Any]], case: Case
) -> None:
    predicted, actual = run_case(corpus_conns[case.file], case)
    expected = case.expected(pg_server.major)
    if expected is not None:
        got = "ok" if actual[-1].ok else actual[-1].sqlstate
        assert got == expected, f"corpus expectation is stale on PG {pg_server.major}: {actual[-1].short()}"
    if case.compare == "message":
        predicted = [replace(p, detail=None, hint=None) for p in predicted]
        actual = [replace(a, detail=None, hint=None) for a in actual]
    assert [p.short() for p in predicted] == [a.short() for a in actual]
