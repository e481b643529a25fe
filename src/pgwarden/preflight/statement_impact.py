"""Lock impact and data checks of plain SQL, statement by statement (what tests and tools ask about one
statement; ``run_preflight`` does the same for a whole package). Read-only, rolled back."""

from __future__ import annotations

from typing import Any

import psycopg

from pgwarden.parsing.source import parse_sql
from pgwarden.pg.conn import read_only
from pgwarden.preflight import engine
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.data.execute import DEFAULT_TIMEOUT_S, DataCheckResult, Planned, run_checks
from pgwarden.preflight.data.plan import Planner
from pgwarden.preflight.locks.impact import LockImpact
from pgwarden.preflight.locks.rules import LockTracker, statement_locks
from pgwarden.preflight.resolve import Resolver


def predict_locks(conn: psycopg.Connection[Any], sql: str) -> tuple[tuple[LockImpact, ...], ...]:
    """Per statement of ``sql``: the relations it locks, judged after the statements before it."""
    stmts = parse_sql(sql, "<sql>")
    out = []
    with read_only(conn) as cur:
        state = engine.load_state(cur, [s.text for s in stmts])
        ctx = Ctx(state, Resolver(cur, state))
        tracker = LockTracker()
        for s in stmts:
            out.append(tuple(statement_locks(s.node, ctx, tracker)))
            engine.check(s.node, ctx)
    return tuple(out)


def predict_data(
    conn: psycopg.Connection[Any], sql: str, timeout_s: float = DEFAULT_TIMEOUT_S
) -> tuple[DataCheckResult, ...]:
    """The data checks of every statement of ``sql`` that depends on existing rows."""
    stmts = parse_sql(sql, "<sql>")
    planned = []
    with read_only(conn) as cur:
        state = engine.load_state(cur, [s.text for s in stmts])
        ctx = Ctx(state, Resolver(cur, state))
        planner = Planner(int(conn.info.server_version) // 10000)
        for s in stmts:
            path = tuple(ctx.state.effective_path())
            planned += [Planned("-", "<sql>", s.line, s.col, s.first_line, c, path) for c in planner.plan(s.node, ctx)]
            engine.check(s.node, ctx)
            planner.note(s.node, ctx, f"<sql>:{s.line}")
        return tuple(run_checks(cur, planned, timeout_s))
