"""Statements that only need what they name to exist: ALTER SEQUENCE, COMMENT ON, an index's columns.

Each refuses as the server does when the relation or column is missing (42P01 / 42703) and otherwise
changes nothing preflight follows.
"""

from __future__ import annotations

from typing import Any

from pgwarden.preflight import lookup
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Relation
from pgwarden.preflight.names import split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

_COMMENT_RELATIONS = (
    "OBJECT_TABLE",
    "OBJECT_VIEW",
    "OBJECT_MATVIEW",
    "OBJECT_SEQUENCE",
    "OBJECT_INDEX",
    "OBJECT_FOREIGN_TABLE",
)


def alter_sequence(stmt: Any, ctx: Ctx) -> Prediction:
    rel = lookup.relation(*lookup.rv(stmt.sequence), ctx, missing_ok=bool(stmt.missing_ok))
    if rel is None:
        return ok(note="missing: skipped (IF EXISTS)")
    ctx.state.act_on(rel)
    return ok(modeled=rel.relkind == "S", target=f"sequence {rel.schema}.{rel.name}")


def index_columns(stmt: Any, rel: Relation) -> None:
    """ComputeIndexAttrs(): a plain index column must exist (expressions are not checked)."""
    if rel.columns is None:
        return
    for elem in (*(stmt.indexParams or ()), *(stmt.indexIncludingParams or ())):
        name = getattr(elem, "name", None)
        if name and rel.column(name) is None:
            raise Refusal(
                Rule.PREFLIGHT_COLUMN_MISSING,
                "42703",
                f'column "{name}" does not exist',
                fix=f"{rel.schema}.{rel.name} has no column {name}: fix the index definition",
            )


def comment(stmt: Any, ctx: Ctx) -> Prediction:
    """COMMENT ON TABLE/VIEW/... and COLUMN: the object must exist, and the role must own it."""
    kind = str(getattr(stmt.objtype, "name", stmt.objtype))
    parts = strings(stmt.object) if isinstance(stmt.object, tuple) else ()
    if kind in _COMMENT_RELATIONS and parts:
        schema, name = split_qualified(parts)
    elif kind == "OBJECT_COLUMN" and len(parts) >= 2:
        schema, name = split_qualified(parts[:-1])
    else:
        return ok(modeled=False)
    rel = lookup.relation(schema, name, ctx)
    assert rel is not None
    if kind == "OBJECT_COLUMN" and rel.columns is not None and rel.column(parts[-1]) is None:
        raise Refusal(
            Rule.PREFLIGHT_COLUMN_MISSING,
            "42703",
            f'column "{parts[-1]}" of relation "{rel.name}" does not exist',
            fix=f"{rel.schema}.{rel.name} has no column {parts[-1]}: fix the name",
        )
    return ok(exact=kind == "OBJECT_COLUMN" or rel.relkind in ("r", "p"), target=f"{rel.schema}.{rel.name}")
