"""Checking expectations on a live server (their typed form and parsing live in :mod:`pgwarden.expect.model`).

A count or value whose SQL fails on the server is a FAIL result carrying the server's error, not a crash.
Values are compared as PostgreSQL's own text output, read with ``TimeZone = UTC`` and ``DateStyle = ISO``
so that the same data gives the same text everywhere.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from pgwarden.expect.model import CheckKind, ExpectationResult, Expectations, Method
from pgwarden.expect.objects import FoundObjects, objects_in_database
from pgwarden.kinds import ObjectKind
from pgwarden.parsing.names import parse_name
from pgwarden.pg import search_path
from pgwarden.pg.conn import read_only
from pgwarden.pg.user_sql import check_calls

# -- checking -----------------------------------------------------------------------------------------


def check_objects(found: FoundObjects, exp: Expectations, method: Method) -> tuple[ExpectationResult, ...]:
    """Object expectations against the objects one method found."""
    out = []
    for kind, name in exp.objects():
        ok = found.has(kind, parse_name(kind, name, kind.plural))
        out.append(ExpectationResult(kind, name, method, ok, "present", "present" if ok else "missing"))
    return tuple(out)


def _server_error(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]
    state = getattr(diag, "sqlstate", None) or getattr(exc, "sqlstate", None)
    return f"{primary} (SQLSTATE {state})" if state else primary


def check_counts(conn: psycopg.Connection[Any], exp: Expectations, path: str) -> list[ExpectationResult]:
    out = []
    for c in exp.counts:
        schema, table = parse_name(ObjectKind.TABLE, c.table, "count")
        query = sql.SQL("SELECT pg_catalog.count(*) AS n FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        if c.where:
            query = query + sql.SQL(" WHERE ") + sql.SQL(c.where)  # parsed by check_select; read-only txn
        try:
            with read_only(conn) as cur, search_path.user_scope(cur, path):
                cur.execute(query)
                row = cur.fetchone()
            n = int(row["n"]) if row else -1
            out.append(ExpectationResult(CheckKind.COUNT, c.label, Method.QUERY, n == c.equals, str(c.equals), str(n)))
        except psycopg.Error as exc:
            out.append(
                ExpectationResult(
                    CheckKind.COUNT, c.label, Method.QUERY, False, str(c.equals), "error", _server_error(exc)
                )
            )
    return out


def check_values(conn: psycopg.Connection[Any], exp: Expectations, path: str) -> list[ExpectationResult]:
    out = []
    for v in exp.values:
        try:
            with read_only(conn) as cur, search_path.user_scope(cur, path):
                cur.execute("SET LOCAL TimeZone = 'UTC'")
                cur.execute("SET LOCAL DateStyle = 'ISO, MDY'")
                cur.execute(v.sql)
                ncols = len(cur.description or ())
                res = cur.pgresult
                nrows = res.ntuples if res is not None else 0
                raw = res.get_value(0, 0) if res is not None and nrows and ncols else None
        except psycopg.Error as exc:
            out.append(
                ExpectationResult(CheckKind.VALUE, v.name, Method.QUERY, False, v.equals, "error", _server_error(exc))
            )
            continue
        if ncols != 1 or nrows != 1:
            out.append(
                ExpectationResult(
                    CheckKind.VALUE,
                    v.name,
                    Method.QUERY,
                    False,
                    v.equals,
                    "error",
                    f"returned {nrows} row(s) of {ncols} column(s); expected one value",
                )
            )
            continue
        actual = raw.decode("utf-8", "replace") if raw is not None else None
        out.append(
            ExpectationResult(
                CheckKind.VALUE,
                v.name,
                Method.QUERY,
                actual == v.equals,
                v.equals,
                "NULL" if actual is None else actual,
            )
        )
    return out


def check_live(
    conn: psycopg.Connection[Any], exp: Expectations, path: str | None = None
) -> tuple[ExpectationResult, ...]:
    """Objects by introspection, then counts and values; every query in a read-only transaction. The user's
    SQL runs under ``path`` (a package's search_path; by default the one the target gives this role)."""
    objects = (
        check_objects(objects_in_database(conn), exp, Method.INTROSPECTION) if any(True for _ in exp.objects()) else ()
    )
    where = search_path.target_default(conn) if path is None else path
    return (*objects, *check_counts(conn, exp, where), *check_values(conn, exp, where))


def check_verify(conn: psycopg.Connection[Any], exp: Expectations, path: str) -> tuple[ExpectationResult, ...]:
    """A package's ``[verify]`` after its bundles, on the target (apply) or the clone (rehearse): its user SQL is
    checked first, against the objects that exist now (a view the package created could hide a VOLATILE call:
    :class:`BadInput`, nothing run), then every expectation is checked."""
    check_calls(conn, exp.user_queries("[verify]"), path)
    return check_live(conn, exp, path)
