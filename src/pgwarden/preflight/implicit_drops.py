"""What a statement drops without naming it, the way PostgreSQL's own dependencies decide.

``ALTER TABLE ... DROP COLUMN`` drops every object that depends on the column automatically or internally
(``pg_depend`` deptype ``a``/``i``): the indexes that use it (key, INCLUDE, expression or predicate), the
constraints on it and the index behind each, and the sequences it owns. A later statement that re-creates one
of them by name is then valid: predicting "already exists" there would be a false alarm. On the live
catalog the dependencies are read from ``pg_depend``; for an index the package created itself, from the
columns its definition uses.
"""

from __future__ import annotations

from typing import Any

from pgwarden import shipped_sql
from pgwarden.parsing.walk import column_names
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Relation


def index_uses(stmt: Any) -> frozenset[str]:
    """The table columns a CREATE INDEX uses: its key and INCLUDE columns, and every column named in an
    expression or its WHERE predicate."""
    used: set[str] = set()
    for elem in (*(stmt.indexParams or ()), *(stmt.indexIncludingParams or ())):
        if getattr(elem, "name", None):
            used.add(elem.name)
        if getattr(elem, "expr", None) is not None:
            used.update(column_names(elem.expr))
    if stmt.whereClause is not None:
        used.update(column_names(stmt.whereClause))
    return frozenset(used)


def drop_column_dependents(ctx: Ctx, rel: Relation, column: str, *, live: bool) -> set[str]:
    """Mark what dropping ``column`` of ``rel`` drops with it as dropped in the simulated catalog; returns the
    names of the constraints it drops (the caller keeps the table's constraint names)."""
    state = ctx.state
    constraints: set[str] = set()
    gone: list[Relation] = []
    if live and rel.oid is not None:
        ctx.resolver.cur.execute(
            shipped_sql.load("pgwarden.preflight", "column_auto_dependents.sql"), {"oid": rel.oid, "attname": column}
        )
        for row in ctx.resolver.cur.fetchall():
            what, schema, name = row["what"], row["schema"], row["name"]
            if what == "constraint":
                constraints.add(name)
                continue
            dep = state.relation(schema, name)
            if dep is not None and dep.origin == "live":  # not already dropped or replaced by the package
                gone.append(dep)
    for (schema, _name), dep in list(state.relations.items()):
        if (
            dep is not None
            and dep.origin != "live"
            and dep.relkind in ("i", "I")
            and schema == rel.schema
            and dep.table == rel.name
            and dep.uses is not None
            and column in dep.uses
        ):
            gone.append(dep)
    for dep in gone:
        state.drop_relation(dep)
    return constraints
