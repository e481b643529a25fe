"""INSERT and UPDATE: the target relation and the columns they name (42P01, 42703).

The rows, the expressions and the query are the server's to judge (and a rehearsal with data's): an
INSERT or UPDATE that passes these checks is "not predicted", never a predicted success.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.preflight import lookup
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

_NOT_JUDGED = "not judged: the query, its values and the rows; rehearsal covers it"


def _columns(stmt: Any, targets: Any, ctx: Ctx) -> Prediction:
    rel = lookup.relation(*lookup.rv(stmt.relation), ctx)
    assert rel is not None
    for t in targets or ():
        name = t.name if isinstance(t, ast.ResTarget) else None
        if name and rel.columns is not None and rel.column(name) is None:
            raise Refusal(
                Rule.PREFLIGHT_COLUMN_MISSING,
                "42703",
                f'column "{name}" of relation "{rel.name}" does not exist',
                fix=f"{rel.schema}.{rel.name} has no column {name}: add it first, or fix the name",
                facts={"object": f"{rel.schema}.{rel.name}", "columns": ", ".join(c.name for c in rel.columns)},
                target=f"{rel.schema}.{rel.name}",
            )
    return ok(target=f"{rel.schema}.{rel.name}", unjudged=_NOT_JUDGED)


def update(stmt: Any, ctx: Ctx) -> Prediction:
    return _columns(stmt, stmt.targetList, ctx)


def insert(stmt: Any, ctx: Ctx) -> Prediction:
    return _columns(stmt, stmt.cols, ctx)
