"""ALTER TABLE: the lock of each subcommand, and whether it rewrites or scans the table.

Lock levels follow ``AlterTableGetLockLevel()`` in ``src/backend/commands/tablecmds.c`` (the same in
PostgreSQL 15 to 18 for every subcommand below) and the per-form notes of
https://www.postgresql.org/docs/current/sql-altertable.html. The whole statement takes the strongest
lock of its subcommands. The proof is ``tests/test_lock_impact.py``, which reads ``pg_locks`` and
``pg_relation_filenode()`` on real servers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pglast import ast

from pgwarden import shipped_sql
from pgwarden.parsing.walk import enum_name
from pgwarden.pg.user_sql import volatile_in
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.locks.impact import SRC_ADD_COLUMN, SRC_ALTER, SRC_FK, SRC_NOT_NULL, SRC_TYPE, LockImpact
from pgwarden.preflight.locks.modes import LockMode, Work
from pgwarden.preflight.model import Relation
from pgwarden.preflight.names import deparse
from pgwarden.preflight.tables import SERIAL_TYPES

AE, SRE, SUE = LockMode.ACCESS_EXCLUSIVE, LockMode.SHARE_ROW_EXCLUSIVE, LockMode.SHARE_UPDATE_EXCLUSIVE

# Subcommands whose lock does not depend on their arguments (AlterTableGetLockLevel).
_FIXED: dict[str, LockMode] = {
    "AT_SetStatistics": SUE,
    "AT_ClusterOn": SUE,
    "AT_DropCluster": SUE,
    "AT_SetOptions": SUE,
    "AT_ResetOptions": SUE,
    "AT_ValidateConstraint": SUE,
    "AT_AttachPartition": SUE,
    "AT_DetachPartitionFinalize": SUE,
    "AT_EnableTrig": SRE,
    "AT_EnableAlwaysTrig": SRE,
    "AT_EnableReplicaTrig": SRE,
    "AT_EnableTrigAll": SRE,
    "AT_EnableTrigUser": SRE,
    "AT_DisableTrig": SRE,
    "AT_DisableTrigAll": SRE,
    "AT_DisableTrigUser": SRE,
}
# Relation options settable under SHARE UPDATE EXCLUSIVE (reloptions.c, each option's lockmode); any
# other option (security_barrier, check_option, user_catalog_table, ...) takes ACCESS EXCLUSIVE.
_SUE_OPTIONS = frozenset(
    {
        "fillfactor",
        "autovacuum_enabled",
        "autovacuum_vacuum_threshold",
        "autovacuum_vacuum_scale_factor",
        "autovacuum_vacuum_insert_threshold",
        "autovacuum_vacuum_insert_scale_factor",
        "autovacuum_analyze_threshold",
        "autovacuum_analyze_scale_factor",
        "autovacuum_vacuum_cost_delay",
        "autovacuum_vacuum_cost_limit",
        "autovacuum_freeze_min_age",
        "autovacuum_freeze_max_age",
        "autovacuum_freeze_table_age",
        "autovacuum_multixact_freeze_min_age",
        "autovacuum_multixact_freeze_max_age",
        "autovacuum_multixact_freeze_table_age",
        "log_autovacuum_min_duration",
        "toast_tuple_target",
        "parallel_workers",
        "vacuum_index_cleanup",
        "vacuum_truncate",
        "vacuum_max_eager_freeze_failure_rate",
    }
)
_WHAT = {
    "AT_AddColumn": "ADD COLUMN",
    "AT_DropColumn": "DROP COLUMN",
    "AT_AlterColumnType": "ALTER COLUMN TYPE",
    "AT_SetNotNull": "SET NOT NULL",
    "AT_DropNotNull": "DROP NOT NULL",
    "AT_ColumnDefault": "SET DEFAULT",
    "AT_AddConstraint": "ADD CONSTRAINT",
    "AT_DropConstraint": "DROP CONSTRAINT",
    "AT_ValidateConstraint": "VALIDATE CONSTRAINT",
    "AT_SetTableSpace": "SET TABLESPACE",
    "AT_SetLogged": "SET LOGGED",
    "AT_SetUnLogged": "SET UNLOGGED",
    "AT_SetAccessMethod": "SET ACCESS METHOD",
    "AT_AttachPartition": "ATTACH PARTITION",
    "AT_DetachPartition": "DETACH PARTITION",
    "AT_ChangeOwner": "OWNER TO",
    "AT_AddIndexConstraint": "ADD CONSTRAINT … USING INDEX",
}


def subcommand_locks(
    stmt: Any,
    rel: Relation,
    ctx: Ctx,
    other: Callable[[Any, LockMode, str, str], LockImpact | None],
    proven: frozenset[str] = frozenset(),
    dropped_keys: Callable[..., list[LockImpact]] = lambda *_a, **_k: [],
) -> list[LockImpact]:
    """One impact per subcommand on ``rel`` (merged by the caller), plus the other relations some lock
    (the referenced table of a foreign key, the partition of ATTACH/DETACH). ``other(rangevar, mode, what,
    source)`` resolves such a relation."""
    out: list[LockImpact] = []
    for item in stmt.cmds or ():
        cmd = item
        sub = enum_name(cmd.subtype)
        what = _WHAT.get(sub, sub.removeprefix("AT_"))
        base = LockImpact(rel.schema, rel.name, rel.oid, rel.relkind, AE, what=what, source=SRC_ALTER)

        def add(
            mode: LockMode = AE,
            work: Work = Work.NONE,
            *,
            new_storage: bool = False,
            safer: str | None = None,
            source: str = SRC_ALTER,
            certain: bool = True,
            what: str = what,
            base: LockImpact = base,
            out: list[LockImpact] = out,
        ) -> None:
            out.append(
                LockImpact(
                    base.schema,
                    base.name,
                    base.oid,
                    base.relkind,
                    mode,
                    work,
                    new_storage,
                    what,
                    safer,
                    source,
                    certain,
                )
            )

        if sub in _FIXED:
            add(_FIXED[sub], Work.SCAN if sub in ("AT_ValidateConstraint", "AT_AttachPartition") else Work.NONE)
            if sub == "AT_AttachPartition" and cmd.def_ is not None:
                part = other(
                    cmd.def_.name,
                    AE,
                    "ATTACH PARTITION (the partition, scanned against its bound unless a constraint implies it)",
                    SRC_ALTER,
                )
                if part is not None:
                    out.append(part)
        elif sub == "AT_DetachPartition":
            concurrent = bool(getattr(cmd.def_, "concurrent", False))
            add(
                SUE if concurrent else AE,
                safer=None
                if concurrent
                else "DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+, outside a transaction block)",
            )
            if cmd.def_ is not None:
                part = other(cmd.def_.name, SUE if concurrent else AE, "DETACH PARTITION (the partition)", SRC_ALTER)
                if part is not None:
                    out.append(part)
        elif sub in ("AT_SetRelOptions", "AT_ResetRelOptions", "AT_ReplaceRelOptions"):
            names = {str(d.defname) for d in cmd.def_ or () if isinstance(d, ast.DefElem)}
            add(
                SUE if names and names <= _SUE_OPTIONS else AE,
                source="reloptions.c (each option's lockmode), AlterTableGetRelOptionsLockLevel()",
            )
        elif sub == "AT_AddColumn":
            out += _add_column(cmd.def_, rel, ctx, base, other)
        elif sub == "AT_AlterColumnType":
            out.append(_alter_type(cmd, rel, ctx, base))
        elif sub == "AT_SetNotNull":
            done = cmd.name in _not_null_proven(rel, proven)
            add(
                AE,
                Work.NONE if done else Work.SCAN,
                source=SRC_NOT_NULL,
                safer=None
                if done
                else f"first ADD CONSTRAINT … CHECK ({cmd.name} IS NOT NULL) NOT VALID and "
                "VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE), then SET NOT NULL skips the scan",
            )
        elif sub == "AT_AddConstraint":
            out += _add_constraint(cmd.def_, rel, base, other)
        elif sub in ("AT_SetTableSpace", "AT_SetLogged", "AT_SetUnLogged", "AT_SetAccessMethod"):
            add(AE, Work.REWRITE, new_storage=True)
        else:  # every other subcommand: ACCESS EXCLUSIVE, catalog only (AlterTableGetLockLevel's default)
            add(AE)
            if sub == "AT_DropConstraint" and cmd.name:
                out += dropped_keys(ctx, rel, "DROP CONSTRAINT", constraint=str(cmd.name))
            elif sub == "AT_DropColumn" and cmd.name:
                out += dropped_keys(ctx, rel, "DROP COLUMN", columns=frozenset({str(cmd.name)}))
    return out


def _add_column(
    col: Any, rel: Relation, ctx: Ctx, base: LockImpact, other: Callable[[Any, LockMode, str, str], LockImpact | None]
) -> list[LockImpact]:
    out: list[LockImpact] = []
    name = str(col.colname)
    typename = str(col.typeName.names[-1].sval) if col.typeName is not None and col.typeName.names else ""
    why: str | None = None
    scan = False
    default = None
    for c in col.constraints or ():
        kind = enum_name(c.contype)
        if kind == "CONSTR_DEFAULT":
            default = c.raw_expr
        elif kind == "CONSTR_IDENTITY":
            why = "an identity column (its default is nextval(), VOLATILE)"
        elif kind == "CONSTR_GENERATED" and str(getattr(c, "generated_kind", "s")) != "v":
            why = "a stored generated column (every row is computed)"  # VIRTUAL (PostgreSQL 18) stores nothing
        elif kind in ("CONSTR_CHECK", "CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_NOTNULL", "CONSTR_EXCLUSION"):
            scan = True
        elif kind == "CONSTR_FOREIGN":
            scan = True
            ref = other(c.pktable, SRE, f"ADD COLUMN {name} REFERENCES (the referenced table)", SRC_FK)
            if ref is not None:
                out.append(ref)
    if typename in SERIAL_TYPES:
        why = f"a {typename} column (its default is nextval(), VOLATILE)"
    elif why is None and default is not None:
        volatile = volatile_in(ctx.resolver.cur, default, ctx.state.effective_path())
        if volatile:
            why = f"a VOLATILE default ({volatile[0]})"
    if why is None and col.typeName is not None:
        info = ctx.resolver.type_of(col.typeName)
        if isinstance(info.ref, int) and _constrained_domain(ctx, info.ref):
            why = f"a domain with constraints ({info.display}): every row is checked and written"
    work = Work.REWRITE if why else Work.SCAN if scan else Work.NONE
    safer = None
    if why and default is not None:
        safer = (
            f"ADD COLUMN {name} without the default (or with a non-volatile one), then backfill in batches "
            "and SET DEFAULT"
        )
    out.insert(
        0,
        LockImpact(
            base.schema,
            base.name,
            base.oid,
            base.relkind,
            AE,
            work,
            work is Work.REWRITE,
            f"ADD COLUMN {name}" + (f": {why}" if why else ""),
            safer,
            SRC_ADD_COLUMN,
        ),
    )
    return out


def _constrained_domain(ctx: Ctx, oid: int) -> bool:
    cur = ctx.resolver.cur
    cur.execute(shipped_sql.load("pgwarden.preflight.locks", "domain_constraints.sql"), {"oids": [oid]})
    row = cur.fetchone()
    return bool(row and row["constrained"])


def _alter_type(cmd: Any, rel: Relation, ctx: Ctx, base: LockImpact) -> LockImpact:
    """Rewrite unless the new type is binary coercible from the old and no typmod check is needed
    (ATColumnChangeRequiresRewrite; length coercions with a support function that is a no-op)."""
    col = rel.column(str(cmd.name))
    colname = str(cmd.name)
    using = cmd.def_.raw_default if cmd.def_ is not None else None
    what = f"ALTER COLUMN {colname} TYPE"
    safer = "add a new column, backfill it in batches, then switch readers and drop the old one"

    def impact(rewrite: bool, why: str, certain: bool = True) -> LockImpact:
        return LockImpact(
            base.schema,
            base.name,
            base.oid,
            base.relkind,
            AE,
            Work.REWRITE if rewrite else Work.NONE,
            rewrite,
            f"{what}: {why}",
            safer if rewrite else None,
            SRC_TYPE,
            certain,
        )

    if using is not None and not (isinstance(using, ast.ColumnRef) and deparse(using) == colname):
        return impact(True, "USING computes every row")
    if col is None or not isinstance(col.type, int) or cmd.def_ is None or cmd.def_.typeName is None:
        return impact(True, "the old or new type is not live", certain=False)
    d = ctx.resolver.describe(f"SELECT NULL::{deparse(cmd.def_.typeName)}")
    if d.error is not None or len(d.columns) != 1:
        return impact(True, "the new type is not live", certain=False)
    new_type, new_mod = d.columns[0].type, d.columns[0].typmod
    assert isinstance(new_type, int)
    if new_type == col.type:
        same = new_mod == col.typmod or new_mod == -1 or _widens(ctx, new_type, col.typmod, new_mod)
        return impact(not same, "same type, wider or no length/precision" if same else "a length or precision check")
    cur = ctx.resolver.cur
    cur.execute(
        shipped_sql.load("pgwarden.preflight.locks", "cast_method.sql"), {"source": col.type, "target": new_type}
    )
    row = cur.fetchone()
    binary = bool(row and row["method"] == "b")
    if binary and (new_mod == -1 or _widens(ctx, new_type, col.typmod, new_mod)):
        return impact(False, "binary coercible")
    return impact(True, "the values are converted")


# Types whose length coercion has a planner support function that makes a wider typmod a no-op
# (varchar_support, numeric_support, varbit_support, timestamp_support, time_support, interval_support).
_WIDENING = {
    1043: "varchar",
    1700: "numeric",
    1562: "varbit",
    1114: "timestamp",
    1184: "timestamptz",
    1083: "time",
    1266: "timetz",
    1186: "interval",
}


def _widens(ctx: Ctx, type_oid: int, old: int, new: int) -> bool:
    kind = _WIDENING.get(type_oid)
    if kind is None or old == -1:
        return False
    if kind == "numeric":  # typmod = ((precision << 16) | scale) + 4: same scale, no smaller precision
        o, n = old - 4, new - 4
        return (o & 0xFFFF) == (n & 0xFFFF) and (n >> 16) >= (o >> 16)
    if kind == "interval":  # range bits must match; precision may grow
        return (old >> 16) == (new >> 16) and (new & 0xFFFF) >= (old & 0xFFFF)
    return new >= old


def _not_null_proven(rel: Relation, proven: frozenset[str]) -> frozenset[str]:
    """Columns already NOT NULL or proven by a valid CHECK (col IS NOT NULL): live, or by an earlier statement."""
    return rel.not_null | proven


def _add_constraint(
    con: Any, rel: Relation, base: LockImpact, other: Callable[[Any, LockMode, str, str], LockImpact | None]
) -> list[LockImpact]:
    kind = enum_name(con.contype)
    name = f" {con.conname}" if con.conname else ""
    not_valid = bool(con.skip_validation)

    def one(mode: LockMode, work: Work, what: str, safer: str | None, source: str = SRC_ALTER) -> LockImpact:
        return LockImpact(base.schema, base.name, base.oid, base.relkind, mode, work, False, what, safer, source)

    if kind == "CONSTR_FOREIGN":
        out = [
            one(
                SRE,
                Work.NONE if not_valid else Work.SCAN,
                f"ADD CONSTRAINT{name} FOREIGN KEY" + (" NOT VALID" if not_valid else ""),
                None
                if not_valid
                else "ADD … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a later bundle "
                "(SHARE UPDATE EXCLUSIVE while it scans)",
                SRC_FK,
            )
        ]
        ref = other(con.pktable, SRE, f"ADD CONSTRAINT{name} FOREIGN KEY (the referenced table)", SRC_FK)
        return out + ([ref] if ref is not None else [])
    if kind == "CONSTR_CHECK":
        return [
            one(
                AE,
                Work.NONE if not_valid else Work.SCAN,
                f"ADD CONSTRAINT{name} CHECK" + (" NOT VALID" if not_valid else ""),
                None if not_valid else "ADD … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a later bundle",
            )
        ]
    if kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"):
        word = {"CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_UNIQUE": "UNIQUE", "CONSTR_EXCLUSION": "EXCLUDE"}[kind]
        if con.indexname:
            return [
                one(
                    AE,
                    Work.SCAN if kind == "CONSTR_PRIMARY" else Work.NONE,
                    f"ADD CONSTRAINT{name} {word} USING INDEX",
                    None,
                )
            ]
        return [
            one(
                AE,
                Work.SCAN,
                f"ADD CONSTRAINT{name} {word} (builds its index)",
                f"CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … {word} USING INDEX"
                if kind != "CONSTR_EXCLUSION"
                else None,
            )
        ]
    if kind == "CONSTR_NOTNULL":
        return [one(AE, Work.NONE if not_valid else Work.SCAN, f"ADD CONSTRAINT{name} NOT NULL", None, SRC_NOT_NULL)]
    return [one(AE, Work.NONE, f"ADD CONSTRAINT{name}", None)]
