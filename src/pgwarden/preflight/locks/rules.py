"""The lock table: which lock each statement takes on which relation, and the work it does under it.

Sources, cited per entry: the documentation's lock table
(https://www.postgresql.org/docs/current/explicit-locking.html, "Table-Level Lock Modes", which names
the commands that take each mode), each command's reference page, and for ALTER TABLE
``AlterTableGetLockLevel()`` in ``src/backend/commands/tablecmds.c`` (see :mod:`.alter_table`).
Statements that lock no user relation (CREATE FUNCTION, GRANT on a function, …) yield nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pglast import ast

from pgwarden.parsing.walk import enum_name
from pgwarden.preflight import live
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.locks import alter_table
from pgwarden.preflight.locks.impact import SRC_ALTER, SRC_DROP_INDEX, SRC_FK, SRC_INDEX, SRC_LOCKING, LockImpact, merge
from pgwarden.preflight.locks.modes import LockMode, Work
from pgwarden.preflight.model import Relation
from pgwarden.preflight.names import deparse, rangevar_parts, strings
from pgwarden.preflight.prediction import Refusal

AE = LockMode.ACCESS_EXCLUSIVE
_NOT_NULL_CHECK = re.compile(r"^\(?\s*\"?([^\s\"()]+)\"?\s+IS\s+NOT\s+NULL\s*\)?$", re.IGNORECASE)


@dataclass
class LockTracker:
    """What earlier statements of the package proved, so that a later one is judged after them: columns a
    validated CHECK (col IS NOT NULL) covers, and such checks added NOT VALID (validated later by name)."""

    proven: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    not_valid_checks: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def note(self, stmt: Any, rel: Relation) -> None:
        key = (rel.schema, rel.name)
        for cmd in stmt.cmds or ():
            sub = enum_name(cmd.subtype)
            if sub == "AT_AddConstraint" and enum_name(cmd.def_.contype) == "CONSTR_CHECK":
                m = _NOT_NULL_CHECK.match(deparse(cmd.def_.raw_expr)) if cmd.def_.raw_expr is not None else None
                if m is None:
                    continue
                if cmd.def_.skip_validation and cmd.def_.conname:
                    self.not_valid_checks[(rel.schema, rel.name, str(cmd.def_.conname))] = m.group(1)
                elif not cmd.def_.skip_validation:
                    self.proven.setdefault(key, set()).add(m.group(1))
            elif sub == "AT_ValidateConstraint":
                col = self.not_valid_checks.get((rel.schema, rel.name, str(cmd.name)))
                if col is not None:
                    self.proven.setdefault(key, set()).add(col)
            elif sub == "AT_SetNotNull":
                self.proven.setdefault(key, set()).add(str(cmd.name))


def _table_of(ctx: Ctx, index: Relation) -> Relation | None:
    """An index's table, loaded from the server when the package never names it."""
    if not index.table:
        return None
    if ctx.state.relation(index.schema, index.table) is None:
        live.extend(ctx.resolver.cur, ctx.state.live, {index.table})
    return ctx.state.relation(index.schema, index.table)


def referenced(
    ctx: Ctx, rel: Relation, what: str, *, constraint: str | None = None, columns: frozenset[str] | None = None
) -> list[LockImpact]:
    """ACCESS EXCLUSIVE on the tables ``rel``'s foreign keys reference, when the statement drops those keys
    (all of them, the one named ``constraint``, or those over ``columns``): their triggers go too
    (tablecmds.c RemoveConstraintById, trigger.c RemoveTriggerById)."""
    out = []
    for name, cols, schema, table in rel.foreign_keys:
        if constraint is not None and name != constraint:
            continue
        if columns is not None and not columns & set(cols):
            continue
        parent = ctx.state.relation(schema, table)
        if parent is None:
            live.extend(ctx.resolver.cur, ctx.state.live, {table})
            parent = ctx.state.relation(schema, table)
        if parent is not None and (parent.schema, parent.name) != (rel.schema, rel.name):
            out.append(
                _impact(
                    parent,
                    AE,
                    f"{what} (the table its foreign key {name} references)",
                    source="tablecmds.c RemoveConstraintById(): the referenced table's RI triggers go",
                )
            )
    return out


def _relation(ctx: Ctx, rv: Any) -> Relation | None:
    schema, name = rangevar_parts(rv)
    return ctx.state.find_relation(schema, name)


def _impact(
    rel: Relation,
    mode: LockMode,
    what: str,
    work: Work = Work.NONE,
    *,
    new_storage: bool = False,
    safer: str | None = None,
    source: str = SRC_LOCKING,
) -> LockImpact:
    return LockImpact(rel.schema, rel.name, rel.oid, rel.relkind, mode, work, new_storage, what, safer, source)


def statement_locks(node: Any, ctx: Ctx, tracker: LockTracker | None = None) -> list[LockImpact]:
    """The relations ``node`` locks, judged against the state *before* it runs. Never raises."""
    try:
        return merge(_locks(node, ctx, tracker or LockTracker()))
    except Refusal:
        return []  # a name that does not resolve: the refusal is preflight's own finding


def _locks(node: Any, ctx: Ctx, tracker: LockTracker) -> list[LockImpact]:
    kind = type(node).__name__

    def other(rv: Any, mode: LockMode, what: str, source: str) -> LockImpact | None:
        rel = _relation(ctx, rv)
        return _impact(rel, mode, what, source=source) if rel is not None else None

    if kind == "AlterTableStmt":
        rel = _relation(ctx, node.relation)
        if rel is None:
            return []
        if rel.relkind in ("i", "I"):  # ALTER INDEX: SET TABLESPACE copies it; the rest is catalog only
            out = [
                _impact(
                    rel,
                    AE
                    if any(enum_name(c.subtype) == "AT_SetTableSpace" for c in node.cmds or ())
                    else LockMode.SHARE_UPDATE_EXCLUSIVE,
                    "ALTER INDEX",
                    source=SRC_ALTER,
                )
            ]
            return out
        out = alter_table.subcommand_locks(
            node, rel, ctx, other, frozenset(tracker.proven.get((rel.schema, rel.name), ())), referenced
        )
        tracker.note(node, rel)
        return out
    if kind == "IndexStmt":
        rel = _relation(ctx, node.relation)
        if rel is None:
            return []
        if node.concurrent:
            return [
                _impact(rel, LockMode.SHARE_UPDATE_EXCLUSIVE, "CREATE INDEX CONCURRENTLY", Work.SCAN, source=SRC_INDEX)
            ]
        return [
            _impact(
                rel,
                LockMode.SHARE,
                f"CREATE {'UNIQUE ' if node.unique else ''}INDEX (blocks writes while it builds)",
                Work.SCAN,
                safer="CREATE INDEX CONCURRENTLY, in a bundle marked transaction = false",
                source=SRC_INDEX,
            )
        ]
    if kind == "CreateStmt":
        return _create_table_refs(node, ctx, other)
    if kind == "DropStmt":
        return _drop(node, ctx)
    if kind == "TruncateStmt":
        return [
            _impact(r, AE, "TRUNCATE", new_storage=True)
            for r in (_relation(ctx, rv) for rv in node.relations)
            if r is not None
        ]
    if kind in ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"):
        rel = _relation(ctx, node.relation)
        word = kind.removesuffix("Stmt").upper()
        return [_impact(rel, LockMode.ROW_EXCLUSIVE, word)] if rel is not None else []
    if kind == "CreateTrigStmt":
        rel = _relation(ctx, node.relation)
        return (
            [
                _impact(
                    rel,
                    LockMode.SHARE_ROW_EXCLUSIVE,
                    "CREATE TRIGGER",
                    source="docs: sql-createtrigger.html, trigger.c CreateTrigger()",
                )
            ]
            if rel is not None
            else []
        )
    if kind in ("CreatePolicyStmt", "AlterPolicyStmt"):
        rel = _relation(ctx, node.table)
        return (
            [
                _impact(
                    rel,
                    AE,
                    "CREATE POLICY" if kind == "CreatePolicyStmt" else "ALTER POLICY",
                    source="policy.c CreatePolicy()/AlterPolicy()",
                )
            ]
            if rel is not None
            else []
        )
    if kind == "RuleStmt":
        rel = _relation(ctx, node.relation)
        return [_impact(rel, AE, "CREATE RULE", source="rewriteDefine.c DefineQueryRewrite()")] if rel else []
    if kind == "RenameStmt":
        return _rename(node, ctx)
    if kind == "AlterObjectSchemaStmt" and node.relation is not None:
        rel = _relation(ctx, node.relation)
        return [_impact(rel, AE, "SET SCHEMA", source=SRC_ALTER)] if rel is not None else []
    if kind == "ReindexStmt" and node.relation is not None:
        return _reindex(node, ctx)
    if kind == "ClusterStmt" and node.relation is not None:
        rel = _relation(ctx, node.relation)
        return (
            [
                _impact(
                    rel,
                    AE,
                    "CLUSTER",
                    Work.REWRITE,
                    new_storage=True,
                    safer="pg_repack, outside pgwarden",
                    source="docs: sql-cluster.html",
                )
            ]
            if rel is not None
            else []
        )
    if kind == "VacuumStmt":
        return _vacuum(node, ctx)
    if kind == "RefreshMatViewStmt":
        rel = _relation(ctx, node.relation)
        if rel is None:
            return []
        if node.concurrent:
            return [
                _impact(
                    rel,
                    LockMode.EXCLUSIVE,
                    "REFRESH MATERIALIZED VIEW CONCURRENTLY",
                    Work.SCAN,
                    source="docs: sql-refreshmaterializedview.html",
                )
            ]
        return [
            _impact(
                rel,
                AE,
                "REFRESH MATERIALIZED VIEW",
                Work.REWRITE,
                new_storage=True,
                safer="REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index)",
                source="docs: sql-refreshmaterializedview.html",
            )
        ]
    if kind == "LockStmt":
        mode = _lock_stmt_mode(node)
        return [
            _impact(r, mode, f"LOCK TABLE IN {mode.label} MODE", source="docs: sql-lock.html")
            for r in (_relation(ctx, rv) for rv in node.relations)
            if r is not None
        ]
    if kind == "CommentStmt" and enum_name(node.objtype) in (
        "OBJECT_TABLE",
        "OBJECT_COLUMN",
        "OBJECT_VIEW",
        "OBJECT_MATVIEW",
    ):
        parts = strings(node.object.items if hasattr(node.object, "items") else node.object)
        if enum_name(node.objtype) == "OBJECT_COLUMN":
            parts = parts[:-1]
        rel = ctx.state.find_relation(parts[-2] if len(parts) > 1 else None, parts[-1]) if parts else None
        return [_impact(rel, LockMode.SHARE_UPDATE_EXCLUSIVE, "COMMENT ON", source=SRC_LOCKING)] if rel else []
    if kind == "CreateStatsStmt":
        rels = [_relation(ctx, r) for r in node.relations or () if isinstance(r, ast.RangeVar)]
        return [_impact(r, LockMode.SHARE_UPDATE_EXCLUSIVE, "CREATE STATISTICS") for r in rels if r is not None]
    return []


_LOCK_MODES = {
    1: LockMode.ACCESS_SHARE,
    2: LockMode.ROW_SHARE,
    3: LockMode.ROW_EXCLUSIVE,
    4: LockMode.SHARE_UPDATE_EXCLUSIVE,
    5: LockMode.SHARE,
    6: LockMode.SHARE_ROW_EXCLUSIVE,
    7: LockMode.EXCLUSIVE,
    8: LockMode.ACCESS_EXCLUSIVE,
}


def _lock_stmt_mode(node: Any) -> LockMode:
    return _LOCK_MODES.get(int(node.mode or 8), AE)


def _create_table_refs(node: Any, ctx: Ctx, other: Any) -> list[LockImpact]:
    """CREATE TABLE locks what its foreign keys reference (SHARE ROW EXCLUSIVE) and, for PARTITION OF, the
    parent (ACCESS EXCLUSIVE: tablecmds.c DefineRelation opens the parent with AccessExclusiveLock)."""
    out: list[LockImpact] = []
    cons = list(node.constraints or ())
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            cons += list(elt.constraints or ())
        elif isinstance(elt, ast.Constraint):
            cons.append(elt)
    for c in cons:
        if enum_name(c.contype) == "CONSTR_FOREIGN" and c.pktable is not None:
            ref = other(
                c.pktable, LockMode.SHARE_ROW_EXCLUSIVE, "CREATE TABLE … REFERENCES (the referenced table)", SRC_FK
            )
            if ref is not None:
                out.append(ref)
    if node.partbound is not None:
        for rv in node.inhRelations or ():
            parent = other(rv, AE, "CREATE TABLE … PARTITION OF (the parent)", "tablecmds.c DefineRelation()")
            if parent is not None:
                out.append(parent)
    return out


def _drop(node: Any, ctx: Ctx) -> list[LockImpact]:
    obj = enum_name(node.removeType)
    out: list[LockImpact] = []
    if obj in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE"):
        for item in node.objects or ():
            parts = strings(item)
            rel = ctx.state.find_relation(parts[-2] if len(parts) > 1 else None, parts[-1]) if parts else None
            if rel is not None:
                word = f"DROP {obj.removeprefix('OBJECT_').replace('_', ' ')}"
                out.append(_impact(rel, AE, word))
                out += referenced(ctx, rel, word)
    elif obj == "OBJECT_INDEX":
        for item in node.objects or ():
            parts = strings(item)
            idx = ctx.state.find_relation(parts[-2] if len(parts) > 1 else None, parts[-1]) if parts else None
            if idx is None:
                continue
            mode = LockMode.SHARE_UPDATE_EXCLUSIVE if node.concurrent else AE
            safer = None if node.concurrent else "DROP INDEX CONCURRENTLY, in a bundle marked transaction = false"
            out.append(_impact(idx, mode, "DROP INDEX", safer=safer, source=SRC_DROP_INDEX))
            table = _table_of(ctx, idx)
            if table is not None:
                out.append(_impact(table, mode, "DROP INDEX (its table)", safer=safer, source=SRC_DROP_INDEX))
    elif obj in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"):
        for item in node.objects or ():
            parts = strings(item)[:-1]  # the last name is the trigger's, policy's or rule's own
            rel = ctx.state.find_relation(parts[-2] if len(parts) > 1 else None, parts[-1]) if parts else None
            if rel is not None:
                out.append(_impact(rel, AE, f"DROP {obj.removeprefix('OBJECT_')}"))
    return out


def _rename(node: Any, ctx: Ctx) -> list[LockImpact]:
    kind = enum_name(node.renameType)
    if node.relation is None:
        return []
    rel = _relation(ctx, node.relation)
    if rel is None:
        return []
    if kind == "OBJECT_INDEX" or (kind == "OBJECT_TABLE" and rel.relkind in ("i", "I")):
        return [
            _impact(
                rel,
                LockMode.SHARE_UPDATE_EXCLUSIVE,
                "RENAME (an index)",
                source="tablecmds.c RenameRelation(): ShareUpdateExclusiveLock for an index",
            )
        ]
    word = {
        "OBJECT_COLUMN": "RENAME COLUMN",
        "OBJECT_TABCONSTRAINT": "RENAME CONSTRAINT",
        "OBJECT_TRIGGER": "ALTER TRIGGER … RENAME",
        "OBJECT_POLICY": "ALTER POLICY … RENAME",
        "OBJECT_RULE": "ALTER RULE … RENAME",
    }.get(kind, "RENAME")
    return [_impact(rel, AE, word, source="tablecmds.c RenameRelation()/renameatt()")]


def _reindex(node: Any, ctx: Ctx) -> list[LockImpact]:
    params = {str(d.defname) for d in node.params or () if isinstance(d, ast.DefElem)}
    concurrent = "concurrently" in params
    rel = _relation(ctx, node.relation)
    if rel is None:
        return []
    src = "docs: sql-reindex.html"
    if concurrent:
        return [_impact(rel, LockMode.SHARE_UPDATE_EXCLUSIVE, "REINDEX CONCURRENTLY", Work.SCAN, source=src)]
    if rel.relkind in ("i", "I"):
        out = [
            _impact(
                rel,
                AE,
                "REINDEX INDEX",
                Work.REWRITE,
                new_storage=True,
                source=src,
                safer="REINDEX CONCURRENTLY, in a bundle marked transaction = false",
            )
        ]
        table = _table_of(ctx, rel)
        if table is not None:
            out.append(_impact(table, LockMode.SHARE, "REINDEX INDEX (its table)", Work.SCAN, source=src))
        return out
    return [
        _impact(
            rel,
            LockMode.SHARE,
            "REINDEX TABLE (and ACCESS EXCLUSIVE on each of its indexes: reads that use them wait)",
            Work.SCAN,
            source=src,
            safer="REINDEX TABLE CONCURRENTLY, in a bundle marked transaction = false",
        )
    ]


def _vacuum(node: Any, ctx: Ctx) -> list[LockImpact]:
    opts = {str(d.defname) for d in node.options or () if isinstance(d, ast.DefElem)}
    full = "full" in opts
    out = []
    for vr in node.rels or ():
        rel = _relation(ctx, vr.relation) if vr.relation is not None else None
        if rel is None:
            continue
        if full:
            out.append(
                _impact(
                    rel,
                    AE,
                    "VACUUM FULL",
                    Work.REWRITE,
                    new_storage=True,
                    safer="pg_repack, outside pgwarden",
                    source="docs: sql-vacuum.html",
                )
            )
        else:
            word = "VACUUM" if node.is_vacuumcmd else "ANALYZE"
            out.append(_impact(rel, LockMode.SHARE_UPDATE_EXCLUSIVE, word, Work.SCAN, source=SRC_LOCKING))
    return out
