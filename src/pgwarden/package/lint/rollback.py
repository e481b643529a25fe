"""``rollback.scope``: a rollback may drop or revert only what its own bundle creates or changes.

The apply file's top-level statements tell what the bundle creates (tables, views, indexes,
functions, types, triggers, policies, columns, constraints, roles …) and which tables it writes to.
Each destructive statement of the rollback (DROP …, ALTER TABLE … DROP COLUMN/CONSTRAINT, TRUNCATE,
DELETE, DROP OWNED) must target one of those; anything else is a finding. Dropping what the bundle
made with ``IF NOT EXISTS`` or ``OR REPLACE`` is a warning: it may have existed before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pglast import ast
from pglast.enums import ObjectType

from pgwarden.findings import Severity
from pgwarden.kinds import ObjectKind
from pgwarden.package.lint.context import Ctx
from pgwarden.package.lint.units import Unit
from pgwarden.parsing import constraint_names
from pgwarden.parsing.statement_kinds import object_name
from pgwarden.parsing.walk import creation_schema, rangevar, split_name, strings
from pgwarden.rules import Rule

K = ObjectKind
_FAMILY = {
    "TABLE": K.TABLE,
    "FOREIGN TABLE": K.TABLE,
    "VIEW": K.VIEW,
    "MATERIALIZED VIEW": K.MATVIEW,
    "INDEX": K.INDEX,
    "SEQUENCE": K.SEQUENCE,
    "FUNCTION": K.FUNCTION,
    "PROCEDURE": K.FUNCTION,
    "ROUTINE": K.FUNCTION,
    "AGGREGATE": K.FUNCTION,
    "TYPE": K.TYPE,
    "DOMAIN": K.TYPE,
    "TRIGGER": K.TRIGGER,
    "POLICY": K.POLICY,
    "RULE": K.RULE,
    "SCHEMA": K.SCHEMA,
    "EXTENSION": K.EXTENSION,
    "EVENT TRIGGER": K.EVENT_TRIGGER,
    "PUBLICATION": K.PUBLICATION,
    "STATISTICS": K.STATISTICS,
    "COLLATION": K.COLLATION,
    "SERVER": K.FOREIGN_SERVER,
    "FOREIGN DATA WRAPPER": K.FOREIGN_DATA_WRAPPER,
    "LANGUAGE": K.LANGUAGE,
    "CAST": K.CAST,
    "OPERATOR": K.OPERATOR,
}
_GLOBAL = {
    K.SCHEMA,
    K.EXTENSION,
    K.EVENT_TRIGGER,
    K.PUBLICATION,
    K.FOREIGN_SERVER,
    K.FOREIGN_DATA_WRAPPER,
    K.LANGUAGE,
    K.ROLE,
    K.DATABASE,
    K.TABLESPACE,
    K.SUBSCRIPTION,
}
_ON_TABLE = {K.TRIGGER, K.POLICY, K.RULE}
WRITTEN: Literal["written"] = "written"  # not a kind: rows a rollback deletes from a table
Family = ObjectKind | Literal["written"]


@dataclass
class Touched:
    created: set[tuple[ObjectKind, str]] = field(default_factory=set)
    maybe_existing: set[tuple[ObjectKind, str]] = field(default_factory=set)  # IF NOT EXISTS / OR REPLACE
    written: set[str] = field(default_factory=set)
    server_named: set[tuple[ObjectKind, str]] = field(default_factory=set)  # names the server chose (+ digits)


def _q(schema: str | None, name: str | None, path: tuple[str, ...], role: str | None) -> str:
    return f"{creation_schema(schema, path, role)}.{name}"


def _table_of(rv: Any, path: tuple[str, ...], role: str | None) -> str:
    schema, name = rangevar(rv)
    return _q(schema, name, path, role)


def _add(t: Touched, family: ObjectKind, name: str | None, maybe: bool = False) -> None:
    name = name or "?"
    t.created.add((family, name))
    if maybe:
        t.maybe_existing.add((family, name))


def _constraints(t: Touched, table: str, relname: str, schema: str, cons: Any, column: str | None = None) -> None:
    """The constraints a statement creates on ``table``: by their own name, or by the name the server chooses
    for an unnamed one (and the index behind a primary key, unique or exclusion constraint)."""
    for con in cons or ():
        if not isinstance(con, ast.Constraint):
            continue
        name = con.conname or constraint_names.default_name(relname, con, column)
        if not name:
            continue
        kind = getattr(con.contype, "name", "")
        backed = kind in constraint_names.INDEX_BACKED
        _add(t, K.CONSTRAINT, f"{table}.{name}")
        if backed:
            _add(t, K.INDEX, f"{schema}.{name}")
        if not con.conname:
            t.server_named.add((K.CONSTRAINT, f"{table}.{name}"))
            if backed:
                t.server_named.add((K.INDEX, f"{schema}.{name}"))


def _server_named(t: Touched, family: ObjectKind, key: str) -> bool:
    """``key`` is a name the server chose for an unnamed constraint, with the number it appends on a clash."""
    return (family, key.rstrip("0123456789")) in t.server_named


def touched_by(ctx: Ctx, units: list[Unit]) -> Touched:
    t = Touched()
    for u in units:
        if u.scope != "top":
            continue
        _collect(ctx, t, u.node, u.search_path)
        for cls in ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"):
            for n in u.index.get(cls, ()):
                if isinstance(n.relation, ast.RangeVar):
                    t.written.add(_table_of(n.relation, u.search_path, ctx.role))
        for n in u.index.get("CopyStmt", ()):
            if n.is_from and isinstance(n.relation, ast.RangeVar):
                t.written.add(_table_of(n.relation, u.search_path, ctx.role))
    return t


def _collect(ctx: Ctx, t: Touched, n: Any, path: tuple[str, ...]) -> None:
    role = ctx.role
    ine = bool(getattr(n, "if_not_exists", False))
    if isinstance(n, ast.CreateForeignTableStmt):
        n = n.base
    if isinstance(n, ast.CreateStmt):
        table = _table_of(n.relation, path, role)
        _add(t, K.TABLE, table, ine)
        ns, relname = table.rsplit(".", 1)[0], str(rangevar(n.relation)[1])
        for elt in n.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                _constraints(t, table, relname, ns, elt.constraints, elt.colname)
            elif isinstance(elt, ast.Constraint):
                _constraints(t, table, relname, ns, (elt,))
    elif isinstance(n, ast.CreateTableAsStmt):
        fam = K.MATVIEW if getattr(n.objtype, "name", "") == "OBJECT_MATVIEW" else K.TABLE
        if n.into is not None:
            _add(t, fam, _table_of(n.into.rel, path, role), ine)
    elif isinstance(n, ast.SelectStmt) and n.intoClause is not None:
        _add(t, K.TABLE, _table_of(n.intoClause.rel, path, role))
    elif isinstance(n, ast.ViewStmt):
        _add(t, K.VIEW, _table_of(n.view, path, role), bool(n.replace))
    elif isinstance(n, ast.IndexStmt) and n.idxname:
        schema, _tbl = rangevar(n.relation)
        _add(t, K.INDEX, _q(schema, n.idxname, path, role), ine)
    elif isinstance(n, ast.CreateSeqStmt):
        _add(t, K.SEQUENCE, _table_of(n.sequence, path, role), ine)
    elif isinstance(n, ast.CreateSchemaStmt):
        if n.schemaname:
            _add(t, K.SCHEMA, n.schemaname, ine)
            for elt in n.schemaElts or ():
                _collect(ctx, t, elt, (n.schemaname,))
    elif isinstance(n, ast.CreateFunctionStmt):
        schema, name = split_name(strings(n.funcname))
        _add(t, K.FUNCTION, _q(schema, name, path, role), bool(n.replace))
        ctx.learn_function(n, path)
    elif isinstance(n, ast.CreateTrigStmt):
        _add(t, K.TRIGGER, f"{_table_of(n.relation, path, role)}.{n.trigname}", bool(n.replace))
    elif isinstance(n, ast.CreatePolicyStmt):
        _add(t, K.POLICY, f"{_table_of(n.table, path, role)}.{n.policy_name}")
    elif isinstance(n, ast.RuleStmt):
        _add(t, K.RULE, f"{_table_of(n.relation, path, role)}.{n.rulename}", bool(n.replace))
    elif isinstance(n, ast.CreateEnumStmt | ast.CreateRangeStmt):
        schema, name = split_name(strings(n.typeName))
        _add(t, K.TYPE, _q(schema, name, path, role))
    elif isinstance(n, ast.CompositeTypeStmt):
        _add(t, K.TYPE, _table_of(n.typevar, path, role))
    elif isinstance(n, ast.CreateDomainStmt):
        schema, dname = split_name(strings(n.domainname))
        _add(t, K.TYPE, _q(schema, dname, path, role))
    elif isinstance(n, ast.DefineStmt):
        dfam = _FAMILY.get(object_name(n.kind))
        if dfam:
            schema, dname = split_name(strings(n.defnames))
            _add(t, dfam, _q(schema, dname, path, role), ine)
    elif isinstance(n, ast.CreateExtensionStmt):
        _add(t, K.EXTENSION, n.extname, ine)
    elif type(n) in _GLOBAL_CREATES:
        kind, field = _GLOBAL_CREATES[type(n)]
        _add(t, kind, getattr(n, field))
    elif isinstance(n, ast.CreateStatsStmt) and n.defnames:
        schema, name = split_name(strings(n.defnames))
        _add(t, K.STATISTICS, _q(schema, name, path, role), ine)
    elif isinstance(n, ast.RenameStmt) and n.newname:
        _renamed(t, n, path, role)
    elif isinstance(n, ast.AlterTableStmt) and isinstance(n.relation, ast.RangeVar):
        table = _table_of(n.relation, path, role)
        for cmd in n.cmds or ():
            sub = getattr(cmd.subtype, "name", "")
            ns, relname = table.rsplit(".", 1)[0], str(rangevar(n.relation)[1])
            if sub == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
                _add(t, K.COLUMN, f"{table}.{cmd.def_.colname}", bool(cmd.missing_ok))
                _constraints(t, table, relname, ns, cmd.def_.constraints, cmd.def_.colname)
            elif sub == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint):
                _constraints(t, table, relname, ns, (cmd.def_,))


# CREATE of an object outside any schema: its kind, and the node's field that names it.
_GLOBAL_CREATES: dict[type, tuple[K, str]] = {
    ast.CreateRoleStmt: (K.ROLE, "role"),
    ast.CreatedbStmt: (K.DATABASE, "dbname"),
    ast.CreateTableSpaceStmt: (K.TABLESPACE, "tablespacename"),
    ast.CreateSubscriptionStmt: (K.SUBSCRIPTION, "subname"),
    ast.CreatePublicationStmt: (K.PUBLICATION, "pubname"),
    ast.CreateEventTrigStmt: (K.EVENT_TRIGGER, "trigname"),
}

_RENAMED_RELATION = {
    "OBJECT_TABLE": K.TABLE,
    "OBJECT_VIEW": K.VIEW,
    "OBJECT_MATVIEW": K.MATVIEW,
    "OBJECT_INDEX": K.INDEX,
    "OBJECT_SEQUENCE": K.SEQUENCE,
    "OBJECT_FOREIGN_TABLE": K.TABLE,
}


def _renamed(t: Touched, n: Any, path: tuple[str, ...], role: str | None) -> None:
    """A name the bundle gives by renaming (``ALTER TABLE t RENAME TO t_backup``) is the bundle's to drop."""
    v = n.renameType
    kind = ObjectType(v).name if isinstance(v, int) else str(getattr(v, "name", v))
    if not isinstance(n.relation, ast.RangeVar):
        return
    fam = _RENAMED_RELATION.get(kind)
    if fam is not None:
        schema, _old = rangevar(n.relation)
        _add(t, fam, _q(schema, n.newname, path, role))
    elif kind == "OBJECT_COLUMN":
        _add(t, K.COLUMN, f"{_table_of(n.relation, path, role)}.{n.newname}")
    elif kind == "OBJECT_TABCONSTRAINT":
        _add(t, K.CONSTRAINT, f"{_table_of(n.relation, path, role)}.{n.newname}")


def _drop_targets(n: Any, path: tuple[str, ...], role: str | None) -> list[tuple[ObjectKind, str, str]]:
    """(family, key, display) of every object a DROP statement names."""
    what = object_name(n.removeType)
    fam = _FAMILY.get(what, K.OTHER)
    out = []
    for obj in n.objects or ():
        if isinstance(obj, ast.ObjectWithArgs):
            parts = strings(obj.objname)
        elif isinstance(obj, ast.TypeName):
            parts = strings(obj.names)
        elif isinstance(obj, ast.String):
            parts = (obj.sval or "",)
        elif isinstance(obj, tuple):
            parts = strings(obj)
        else:
            parts = ()
        if not parts:
            out.append((fam, "?", what.lower()))
        elif fam in _GLOBAL:
            out.append((fam, parts[-1], parts[-1]))
        elif fam in _ON_TABLE and len(parts) >= 2:
            table = _q(*split_name(parts[:-1]), path, role)
            out.append((fam, f"{table}.{parts[-1]}", f"{parts[-1]} on {table}"))
        else:
            key = _q(*split_name(parts), path, role)
            out.append((fam, key, key))
    return out


def check_rollback(
    ctx: Ctx,
    bundle: str,
    touched: Touched,
    units: list[Unit],
    package_creates: set[tuple[ObjectKind, str]] | None = None,
) -> None:
    """Flag each destructive rollback statement that targets something the bundle did not create.

    ``DROP … IF EXISTS`` of a name no bundle of the package creates is cleanup of an old name: a note."""
    for u in units:
        if u.scope != "top":
            continue
        for fam, key, shown, how in _destructive(u, ctx.role):
            if fam == WRITTEN:
                ok = key in touched.written or (K.TABLE, key) in touched.created
                if not ok:
                    ctx.report(
                        Rule.ROLLBACK_SCOPE,
                        u,
                        u.at(),
                        f"rollback {how} {shown}, which bundle {bundle} neither creates nor writes to",
                        facts={"object": shown},
                    )
                continue
            if (fam, key) not in touched.created and not _server_named(touched, fam, key):
                parent = key.rsplit(".", 1)[0] if fam in (K.COLUMN, K.CONSTRAINT) else None
                if parent and (K.TABLE, parent) in touched.created:
                    continue
                if (
                    package_creates is not None
                    and isinstance(u.node, ast.DropStmt)
                    and u.node.missing_ok
                    and (fam, key) not in package_creates
                ):
                    ctx.report(
                        Rule.ROLLBACK_SCOPE,
                        u,
                        u.at(),
                        f"rollback {how} {shown} IF EXISTS, a name no bundle "
                        "of the package creates: cleanup of an old name",
                        severity=Severity.NOTE,
                        facts={"object": shown},
                    )
                    continue
                ctx.report(
                    Rule.ROLLBACK_SCOPE,
                    u,
                    u.at(),
                    f"rollback {how} {shown}, which bundle {bundle} does not create",
                    facts={"object": shown},
                    fix="a rollback may only undo its own bundle; drop only what the bundle creates",
                )
            elif (fam, key) in touched.maybe_existing:
                ctx.report(
                    Rule.ROLLBACK_SCOPE,
                    u,
                    u.at(),
                    f"rollback {how} {shown}, which bundle {bundle} "
                    "creates with IF NOT EXISTS / OR REPLACE: if it existed before, this drops it "
                    "instead of restoring it",
                    severity=Severity.WARNING,
                    facts={"object": shown},
                )
        if getattr(u.node, "behavior", None) is not None and getattr(u.node.behavior, "name", "") == "DROP_CASCADE":
            ctx.report(
                Rule.ROLLBACK_CASCADE,
                u,
                u.at(),
                "CASCADE may also drop objects that depend on this one and that the bundle did not create",
                severity=Severity.WARNING,
            )


def _destructive(u: Unit, role: str | None) -> list[tuple[Family, str, str, str]]:
    n, path = u.node, u.search_path
    out: list[tuple[Family, str, str, str]] = []
    if isinstance(n, ast.DropStmt):
        word = object_name(n.removeType).lower()
        out += [(fam, key, shown, f"drops {word}") for fam, key, shown in _drop_targets(n, path, role)]
    elif isinstance(n, ast.DropRoleStmt | ast.DropOwnedStmt):
        verb = "drops role" if isinstance(n, ast.DropRoleStmt) else "drops everything owned by role"
        out += [(K.ROLE, r.rolename or "?", r.rolename or "?", verb) for r in n.roles or ()]
    elif isinstance(n, ast.DropdbStmt):
        out.append((K.DATABASE, n.dbname or "?", n.dbname or "?", "drops database"))
    elif isinstance(n, ast.DropTableSpaceStmt):
        out.append((K.TABLESPACE, n.tablespacename or "?", n.tablespacename or "?", "drops tablespace"))
    elif isinstance(n, ast.DropSubscriptionStmt):
        out.append((K.SUBSCRIPTION, n.subname or "?", n.subname or "?", "drops subscription"))
    elif isinstance(n, ast.TruncateStmt):
        for rv in n.relations or ():
            table = _table_of(rv, path, role)
            out.append((K.TABLE, table, table, "truncates table"))
    elif isinstance(n, ast.AlterTableStmt) and isinstance(n.relation, ast.RangeVar):
        table = _table_of(n.relation, path, role)
        for cmd in n.cmds or ():
            sub = getattr(cmd.subtype, "name", "")
            if sub == "AT_DropColumn":
                out.append((K.COLUMN, f"{table}.{cmd.name}", f"{table}.{cmd.name}", "drops column"))
            elif sub == "AT_DropConstraint":
                out.append((K.CONSTRAINT, f"{table}.{cmd.name}", f"{cmd.name} on {table}", "drops constraint"))
    for d in u.index.get("DeleteStmt", ()):
        if isinstance(d.relation, ast.RangeVar):
            table = _table_of(d.relation, path, role)
            out.append((WRITTEN, table, table, "deletes from"))
    return out
