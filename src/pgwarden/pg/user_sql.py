"""User SQL on a live server may call only STABLE or IMMUTABLE functions, resolved on that server.

A query written by a user (``probe --query``, later ``[verify]`` and probes in ``apply``) runs on
production in a read-only transaction; a read-only transaction still lets ``pg_terminate_backend()``,
``pg_reload_conf()`` or ``pg_create_physical_replication_slot()`` act. Before anything runs, every
function the query can call is looked up in the live catalog (``sql/volatile_calls.sql``): the functions
it names (every overload along the search path), the functions behind the operators it uses and the
casts it writes, the support functions of aggregates, and, from ``pg_depend``, whatever the views it
reads (recursively) and the row-security policies on them call. One VOLATILE function is a refusal
(exit 2) that names it. A function's volatility is what its owner declared: pgwarden follows the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from pglast import ast

from pgwarden import shipped_sql
from pgwarden.errors import BadInput
from pgwarden.parsing.readonly import check_select
from pgwarden.parsing.walk import iter_nodes
from pgwarden.pg.conn import read_only

_VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}


@dataclass(frozen=True)
class Calls:
    """What one query can call, as the live server resolved it."""

    query: str
    functions: tuple[str, ...]      # every function resolved, as regprocedure prints it
    relations: tuple[str, ...]      # every relation read, as regclass prints it


def _names(stmt: ast.SelectStmt) -> tuple[list[tuple[str | None, str]], list[tuple[str | None, str]],
                                           list[str], list[tuple[str | None, str]]]:
    funcs: list[tuple[str | None, str]] = []
    ops: list[tuple[str | None, str]] = []
    types: list[str] = []
    rels: list[tuple[str | None, str]] = []
    for node in iter_nodes(stmt):
        if isinstance(node, ast.FuncCall):
            parts = [str(p.sval) for p in node.funcname or () if isinstance(p, ast.String)]
            if parts:
                funcs.append((parts[-2] if len(parts) > 1 else None, parts[-1]))
        elif isinstance(node, ast.A_Expr) and node.name:
            parts = [str(p.sval) for p in node.name if isinstance(p, ast.String)]
            if parts:
                ops.append((parts[-2] if len(parts) > 1 else None, parts[-1]))
        elif isinstance(node, ast.TypeCast) and node.typeName is not None:
            parts = [str(p.sval) for p in node.typeName.names or () if isinstance(p, ast.String)]
            if parts:
                types.append(parts[-1])
        elif isinstance(node, ast.RangeVar) and node.relname:
            rels.append((node.schemaname, str(node.relname)))
    return funcs, ops, types, rels


def check_calls(conn: psycopg.Connection[Any], queries: Mapping[str, str]) -> dict[str, Calls]:
    """Resolve every call of every named query on the server behind ``conn`` (read-only); a VOLATILE one
    is :class:`BadInput` naming the query, the function and how the query reaches it."""
    out: dict[str, Calls] = {}
    for name, text in queries.items():
        funcs, ops, types, rels = _names(check_select(text, f"named query {name!r}"))
        with read_only(conn) as cur:
            cur.execute("SELECT CASE WHEN s IS NULL THEN to_regclass(quote_ident(r)) "
                        "ELSE to_regclass(quote_ident(s) || '.' || quote_ident(r)) END::oid AS oid "
                        "FROM unnest(%s::text[], %s::text[]) AS x(s, r)", ([s for s, _ in rels], [r for _, r in rels]))
            rel_oids = [int(row["oid"]) for row in cur.fetchall() if row["oid"] is not None]
            cur.execute(shipped_sql.load("pgwarden.pg", "volatile_calls.sql"), {
                "fschemas": [s for s, _ in funcs], "fnames": [f for _, f in funcs],
                "oschemas": [s for s, _ in ops], "onames": [o for _, o in ops], "types": types,
                "rels": rel_oids})
            rows = cur.fetchall()
            cur.execute("SELECT oid::regclass::text AS r FROM pg_class WHERE oid = ANY (%s::oid[]) ORDER BY 1",
                        (rel_oids,))
            relations = tuple(r["r"] for r in cur.fetchall())
        volatile = [r for r in rows if r["volatility"] == "v"]
        if volatile:
            v = volatile[0]
            how = (f" through {v['via']}" if v["via"] else "") + \
                  (f" (a support function of aggregate {v['aggregate']})" if v["aggregate"] else "")
            raise BadInput(f"named query {name!r} can call {v['function']}{how}, which is VOLATILE: user SQL on "
                           "a live server may call only STABLE or IMMUTABLE functions; nothing was run",
                           details=[f"also VOLATILE: {r['function']}" for r in volatile[1:6]])
        out[name] = Calls(text, tuple(sorted({r["function"] for r in rows})), relations)
    return out
