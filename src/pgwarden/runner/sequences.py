"""What a rollback-only probe leaves behind although its transaction is rolled back: the sequences it advances.

A probe may write (an INSERT that must fail, or must succeed) because its transaction is always rolled back; a
sequence is not transactional, so the ``nextval()`` of a serial or identity column the probe inserts into, or
one it calls itself, stays advanced on production. The sequences a probe can advance are those owned by, or
named in a column default of, the tables it inserts into or merges into, and those it names in ``nextval()``
or ``setval()``. For each, the value *this session* last took (``currval``: session state, no other session's
``nextval`` changes it) is read before and after the probe, so a sequence is named only when the probe itself
advanced it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from pglast import ast

from pgwarden import shipped_sql
from pgwarden.parsing.walk import iter_nodes
from pgwarden.pg import search_path

_NAMED = {"nextval", "setval"}


def _targets(node: Any) -> tuple[list[str], list[str]]:
    """(tables the statement inserts or merges into, sequences it names), as written."""
    tables, sequences = [], []
    for n in iter_nodes(node):
        if isinstance(n, ast.InsertStmt | ast.MergeStmt) and n.relation is not None:
            rv = n.relation
            tables.append(f"{rv.schemaname}.{rv.relname}" if rv.schemaname else str(rv.relname))
        elif isinstance(n, ast.FuncCall):
            name = [str(p.sval) for p in n.funcname or () if isinstance(p, ast.String)]
            args = n.args or ()
            if (
                name
                and name[-1] in _NAMED
                and args
                and isinstance(args[0], ast.A_Const)
                and isinstance(args[0].val, ast.String)
            ):
                sequences.append(str(args[0].val.sval))
    return tables, sequences


def candidates(conn: psycopg.Connection[Any], node: Any, path: str) -> tuple[str, ...]:
    """The sequences the statement ``node`` can advance, qualified; its names resolve along ``path``."""
    tables, named = _targets(node)
    if not tables and not named:
        return ()
    with conn.transaction(), conn.cursor() as cur:
        with search_path.user_scope(cur, path):  # the statement's own names, as it resolves them
            cur.execute(
                "SELECT pg_catalog.to_regclass(x)::pg_catalog.oid FROM pg_catalog.unnest("
                "%s::pg_catalog.text[]) WITH ORDINALITY AS u(x, i) ORDER BY u.i",
                ([*tables, *named],),
            )
            oids = [r[0] for r in cur.fetchall()]
        rels, seqs = [o for o in oids[: len(tables)] if o], [o for o in oids[len(tables) :] if o]
        cur.execute(shipped_sql.load("pgwarden.runner", "probe_sequences.sql"), {"sequences": seqs, "tables": rels})
        return tuple(str(r[0]) for r in cur.fetchall())


def session_values(conn: psycopg.Connection[Any], sequences: tuple[str, ...]) -> dict[str, int | None]:
    """``currval`` of each sequence in this session (None: this session has not called ``nextval`` on it)."""
    out: dict[str, int | None] = {}
    for seq in sequences:
        try:
            with conn.transaction(), conn.cursor() as cur:
                row = cur.execute("SELECT pg_catalog.currval(%s::pg_catalog.regclass)", (seq,)).fetchone()
                out[seq] = int(row[0]) if row else None
        except psycopg.errors.ObjectNotInPrerequisiteState:  # 55000: not yet defined in this session
            out[seq] = None
    return out


@contextlib.contextmanager
def advanced_by(conn: psycopg.Connection[Any], node: Any, path: str) -> Iterator[list[str]]:
    """Around a probe: the list, filled when the block ends, of the sequences it advanced ("public.t_id_seq
    (now 42)"). The block must leave no transaction of its own open (the probe's is rolled back, or its
    savepoint)."""
    seqs = candidates(conn, node, path)
    before = session_values(conn, seqs)
    found: list[str] = []
    yield found
    after = session_values(conn, seqs)
    found += [f"{s} (now {after[s]})" for s in seqs if after[s] is not None and after[s] != before[s]]
