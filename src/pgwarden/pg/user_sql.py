"""User SQL on a live server may call only STABLE or IMMUTABLE functions, resolved on that server.

A query written by a user (``probe --query``, later ``[verify]`` and probes in ``apply``) runs on
production in a read-only transaction; a read-only transaction still lets ``pg_terminate_backend()``,
``pg_reload_conf()`` or ``pg_create_physical_replication_slot()`` act. Before anything runs, every
function the query can call is looked up in the live catalog (``sql/volatile_calls.sql``): the functions
it names (every overload along the search path), the functions behind the operators it uses and the
casts it writes, the support functions of aggregates, and the same for the views it reads (recursively)
and the row-security policies of the tables it reads (``sql/relation_sources.sql``). One VOLATILE function is a refusal
(exit 2) that names it. A function's volatility is what its owner declared: pgwarden follows the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from pglast import ast

from pgwarden import shipped_sql
from pgwarden.errors import BadInput
from pgwarden.parsing.readonly import check_select
from pgwarden.parsing.tree import parse
from pgwarden.parsing.walk import iter_nodes
from pgwarden.pg import search_path
from pgwarden.pg.conn import read_only
from pgwarden.pg.planned_code import planned_code

_VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}


@dataclass(frozen=True)
class Calls:
    """What one query can call, as the live server resolved it."""

    query: str
    functions: tuple[str, ...]  # every function resolved, as regprocedure prints it
    relations: tuple[str, ...]  # every relation read, as regclass prints it


def _names(
    stmt: Any,
) -> tuple[list[tuple[str | None, str]], list[tuple[str | None, str]], list[str], list[tuple[str | None, str]]]:
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


_MAX_SOURCES = 500  # views and policies followed per query (a view of a view of ...)


def check_calls(conn: psycopg.Connection[Any], queries: Mapping[str, str], path: str) -> dict[str, Calls]:
    """Resolve every call of every named query on the server behind ``conn`` (read-only); a VOLATILE one
    is :class:`BadInput` naming the query, the function and the view or policy it hides in, if any.

    Views and policies are followed through their definitions as the server prints them
    (``pg_get_viewdef``, ``pg_get_expr``): ``pg_depend`` records no dependency on built-in functions, and
    those are the dangerous ones. ``path`` is the search_path the queries will run under."""
    out: dict[str, Calls] = {}
    for name, text in queries.items():
        with read_only(conn) as cur:
            out[name] = calls_of(cur, name, text, search_path.schemas_of(cur, path))
    return out


def volatile_in(cur: psycopg.Cursor[Any], node: Any, schemas: list[str]) -> tuple[str, ...]:
    """The VOLATILE functions an expression's names can resolve to on the server (every overload in
    ``schemas``, the expanded search_path it runs under; operators' functions and casts), as regprocedure
    prints them."""
    funcs, ops, types, _rels = _names(node)
    if not (funcs or ops or types):
        return ()
    return tuple(sorted({r["function"] for r in _calls(cur, schemas, funcs, ops, types) if r["volatility"] == "v"}))


def _calls(
    cur: psycopg.Cursor[Any],
    path: list[str],
    funcs: Sequence[tuple[str | None, str]],
    ops: Sequence[tuple[str | None, str]],
    types: Sequence[str],
) -> list[Any]:
    """The functions the named functions, operators and casts can resolve to under ``path``, with their
    volatility and whether a trusted role owns them (volatile_calls.sql)."""
    cur.execute(
        shipped_sql.load("pgwarden.pg", "volatile_calls.sql"),
        {
            "path": path,
            "fschemas": [s for s, _ in funcs],
            "fnames": [f for _, f in funcs],
            "oschemas": [s for s, _ in ops],
            "onames": [o for _, o in ops],
            "types": types,
        },
    )
    return cur.fetchall()


def calls_of(cur: psycopg.Cursor[Any], name: str, text: str, schemas: list[str]) -> Calls:
    """:func:`check_calls` for one query, on a cursor already inside a read-only transaction; ``schemas`` is the
    expanded search_path the query runs under. What the server prints back (a view's query, a policy, a domain's
    CHECK) was printed under pgwarden's pinned path, so its unqualified names are ``pg_catalog``'s."""
    todo: list[tuple[Any, str | None]] = [(check_select(text, f"named query {name!r}"), None)]
    search_path.repin_local(cur)  # what the server prints back is printed under the pin
    seen: dict[int, str] = {}
    domains: set[int] = set()
    functions: set[str] = set()
    printed = ["pg_catalog"]
    while todo:
        stmt, via = todo.pop()
        path = schemas if via is None else printed
        funcs, ops, types, rels = _names(stmt)
        rows = _calls(cur, path, funcs, ops, types)
        foreign = [r for r in rows if not r["trusted"]]
        if foreign:  # declared STABLE or IMMUTABLE, another role's function may still call anything, as pgwarden
            f = foreign[0]
            how = f" through {via}" if via else ""
            raise BadInput(
                f"named query {name!r} can call {f['function']}{how}, owned by {f['owner']}: pgwarden runs "
                "no code but a superuser's and its own role's on a live server; nothing was run",
                details=[f"also {r['function']} ({r['owner']})" for r in foreign[1:6]],
            )
        volatile = [r for r in rows if r["volatility"] == "v"]
        if volatile:
            v = volatile[0]
            how = (f" through {via}" if via else "") + (
                f" (a support function of aggregate {v['aggregate']})" if v["aggregate"] else ""
            )
            raise BadInput(
                f"named query {name!r} can call {v['function']}{how}, which is VOLATILE: user "
                "SQL on a live server may call only STABLE or IMMUTABLE functions; nothing was "
                "run",
                details=[f"also VOLATILE: {r['function']}" for r in volatile[1:6]],
            )
        functions.update(r["function"] for r in rows)
        if types:  # a cast to a domain runs its CHECK constraints, and theirs are calls too
            cur.execute(shipped_sql.load("pgwarden.pg", "domain_checks.sql"), {"types": types})
            for row in cur.fetchall():
                if row["oid"] not in domains:
                    domains.add(row["oid"])
                    todo += [(raw.stmt, f"domain {row['domain']}") for raw in parse(f"SELECT ({row['expr']})")]
        if not rels:
            continue
        cur.execute(
            shipped_sql.load("pgwarden.pg", "relation_sources.sql"),
            {"path": path, "schemas": [s for s, _ in rels], "names": [r for _, r in rels]},
        )
        found = [row for row in cur.fetchall() if row["oid"] not in seen]
        refuse_planned_code(cur, [row["oid"] for row in found], f"named query {name!r}")
        for row in found:  # one row per relation (relation_sources.sql is DISTINCT), none seen before
            seen[row["oid"]] = row["name"]
            if len(seen) > _MAX_SOURCES:
                raise BadInput(
                    f"named query {name!r} reads more than {_MAX_SOURCES} views and tables; too many to check"
                )
            sources = ([row["view_sql"]] if row["view_sql"] else []) + [
                f"SELECT ({e})" for e in row["policy_sql"] or ()
            ]
            for sql_text in sources:
                todo += [(raw.stmt, row["name"]) for raw in parse(sql_text)]
    return Calls(text, tuple(sorted(functions)), tuple(sorted(seen.values())))


def refuse_planned_code(cur: psycopg.Cursor[Any], relids: list[int], who: str) -> None:
    """:class:`BadInput` when a query of ``relids`` would run, while it is planned, code another role owns."""
    found = planned_code(cur, relids)
    if found:
        c = found[0]
        raise BadInput(
            f"{who} reads {c.relation}, whose {c.what} calls {c.function}, owned by {c.owner}: "
            "planning the query would run that code with pgwarden's privileges; nothing was run",
            details=[f"also {x.relation}: {x.what} calls {x.function} ({x.owner})" for x in found[1:6]]
            + [
                "pgwarden runs no code but its own role's and a superuser's: drop this query, or run "
                f"pgwarden as {c.owner}"
            ],
        )
