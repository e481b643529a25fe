"""The schema-only dump, searched with pglast (the text itself comes from :mod:`pgwarden.backup.schema_text`).

Searching means parsing: every ``CREATE`` is read from pglast's parse tree, never matched as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pglast import ast
from pglast import enums as pge
from pglast.parser import ParseError, split

from pgwarden.expect.objects import FoundObjects
from pgwarden.kinds import ObjectKind
from pgwarden.parsing.names import function_key
from pgwarden.parsing.tree import parse
from pgwarden.parsing.walk import iter_nodes


@dataclass(frozen=True)
class ParsedSchema:
    statements: tuple[Any, ...]  # pglast RawStmt nodes
    unparsed: tuple[str, ...]  # first line of each statement pglast could not parse


def parse_schema(text: str) -> ParsedSchema:
    """Parse the whole script; if that fails, statement by statement, keeping what parses."""
    try:
        return ParsedSchema(tuple(parse(text)), ())
    except ParseError:
        pass
    stmts: list[Any] = []
    bad: list[str] = [line for line in text.splitlines() if line.startswith("\\")]
    # psql meta-commands are whole lines; blank them so they do not swallow the next statement.
    text = "".join("\n" if line.startswith("\\") else line for line in text.splitlines(keepends=True))
    for piece in split(text, with_parser=False):
        try:
            stmts.extend(parse(piece))
        except ParseError:
            bad.append(piece.strip().splitlines()[0][:120] if piece.strip() else "")
    return ParsedSchema(tuple(stmts), tuple(bad))


def _rel(rv: Any) -> tuple[str, str]:
    return (rv.schemaname or "public", str(rv.relname))


def _qual(names: Any) -> tuple[str, str]:
    parts = [n.sval for n in names]
    return (parts[0] if len(parts) > 1 else "public", parts[-1])


def _identity_args(stmt: Any) -> list[ast.TypeName]:
    modes = {
        pge.FunctionParameterMode.FUNC_PARAM_IN,
        pge.FunctionParameterMode.FUNC_PARAM_INOUT,
        pge.FunctionParameterMode.FUNC_PARAM_VARIADIC,
        pge.FunctionParameterMode.FUNC_PARAM_DEFAULT,
    }
    if stmt.is_procedure:
        modes.add(pge.FunctionParameterMode.FUNC_PARAM_OUT)
    return [p.argType for p in (stmt.parameters or ()) if p.mode in modes]


def objects_in_schema(parsed: ParsedSchema) -> FoundObjects:
    """The objects a schema script creates. A schema counts as present if created or used by a CREATE."""
    cat = FoundObjects()
    columns: dict[tuple[str, str], list[str]] = {}
    parents: dict[tuple[str, str], list[tuple[str, str]]] = {}
    raw: Any
    for raw in parsed.statements:
        s: Any = raw.stmt
        if isinstance(s, ast.CreateForeignTableStmt):
            s = s.base
        if isinstance(s, ast.CreateSchemaStmt):
            cat.add(ObjectKind.SCHEMA, str(s.schemaname))
        elif isinstance(s, ast.CreateStmt):
            key = _rel(s.relation)
            cat.add(ObjectKind.TABLE, *key)
            columns[key] = [str(e.colname) for e in (s.tableElts or ()) if isinstance(e, ast.ColumnDef)]
            parents[key] = [_rel(p) for p in (s.inhRelations or ())]
            for c in _table_constraints(s):
                cat.add(ObjectKind.CONSTRAINT, *key, c)
        elif isinstance(s, ast.ViewStmt):
            cat.add(ObjectKind.VIEW, *_rel(s.view))
        elif isinstance(s, ast.CreateTableAsStmt) and s.objtype == pge.ObjectType.OBJECT_MATVIEW:
            cat.add(ObjectKind.VIEW, *_rel(getattr(s.into, "rel", None)))
        elif isinstance(s, ast.CreateFunctionStmt):
            schema, name = _qual(s.funcname)
            cat.add(ObjectKind.FUNCTION, *function_key(schema, name, _identity_args(s)))
        elif isinstance(s, ast.CreateTrigStmt):
            cat.add(ObjectKind.TRIGGER, *_rel(s.relation), str(s.trigname))
        elif isinstance(s, ast.IndexStmt) and s.idxname:
            cat.add(ObjectKind.INDEX, _rel(s.relation)[0], s.idxname)
        elif isinstance(s, ast.CreateSeqStmt):
            cat.add(ObjectKind.SEQUENCE, *_rel(s.sequence))
        elif isinstance(s, ast.AlterTableStmt):
            _alter_table(cat, s)
        elif isinstance(s, ast.CompositeTypeStmt):
            cat.add(ObjectKind.TYPE, *_rel(s.typevar))
        elif isinstance(s, ast.CreateEnumStmt | ast.CreateRangeStmt):
            cat.add(ObjectKind.TYPE, *_qual(s.typeName))
        elif isinstance(s, ast.CreateDomainStmt):
            cat.add(ObjectKind.TYPE, *_qual(s.domainname))
        elif isinstance(s, ast.DefineStmt) and s.kind == pge.ObjectType.OBJECT_TYPE:
            cat.add(ObjectKind.TYPE, *_qual(s.defnames))
        elif isinstance(s, ast.DefineStmt) and s.kind == pge.ObjectType.OBJECT_AGGREGATE:
            schema, name = _qual(s.defnames)
            cat.add(ObjectKind.FUNCTION, *function_key(schema, name, _aggregate_args(s)))
        elif isinstance(s, ast.CreatePolicyStmt):
            cat.add(ObjectKind.POLICY, *_rel(s.table), str(s.policy_name))
        elif isinstance(s, ast.CreateExtensionStmt):
            cat.add(ObjectKind.EXTENSION, str(s.extname))
    for key in columns:
        for col in _all_columns(key, columns, parents, set()):
            cat.add(ObjectKind.COLUMN, *key, col)
    for kind in (
        ObjectKind.TABLE,
        ObjectKind.VIEW,
        ObjectKind.FUNCTION,
        ObjectKind.TRIGGER,
        ObjectKind.INDEX,
        ObjectKind.SEQUENCE,
        ObjectKind.TYPE,
        ObjectKind.CONSTRAINT,
        ObjectKind.POLICY,
    ):
        for k in cat.objects[kind]:
            cat.add(ObjectKind.SCHEMA, k[0])
    return cat


def _all_columns(
    key: tuple[str, str],
    columns: dict[tuple[str, str], list[str]],
    parents: dict[tuple[str, str], list[tuple[str, str]]],
    seen: set[tuple[str, str]],
) -> list[str]:
    """Own columns plus inherited ones (INHERITS / PARTITION OF), which the child's CREATE omits."""
    if key in seen:
        return []
    seen.add(key)
    out = list(columns.get(key, []))
    for p in parents.get(key, []):
        out += _all_columns(p, columns, parents, seen)
    return out


def _table_constraints(s: Any) -> list[str]:
    """The named constraints a CREATE TABLE declares, at table level or on a column."""
    out = [str(e.conname) for e in (s.tableElts or ()) if isinstance(e, ast.Constraint) and e.conname]
    for e in s.tableElts or ():
        if isinstance(e, ast.ColumnDef):
            out += [str(c.conname) for c in (e.constraints or ()) if isinstance(c, ast.Constraint) and c.conname]
    return out


def _aggregate_args(s: Any) -> list[ast.TypeName]:
    """An aggregate's identity arguments: ``(text)``, ``(*)`` (none), or direct plus ordered ones."""
    if s.oldstyle:
        base = next((d.arg for d in (s.definition or ()) if d.defname == "basetype"), None)
        return [base] if isinstance(base, ast.TypeName) else []
    params = (s.args or (None,))[0] or ()
    return [p.argType for p in params if isinstance(p, ast.FunctionParameter) and p.argType is not None]


def _alter_table(cat: FoundObjects, s: Any) -> None:
    table = _rel(s.relation)
    schema = table[0]
    for cmd in s.cmds or ():
        d = getattr(cmd, "def_", None)
        if cmd.subtype == pge.AlterTableType.AT_AddConstraint and isinstance(d, ast.Constraint) and d.conname:
            cat.add(ObjectKind.CONSTRAINT, *table, d.conname)
        if (
            cmd.subtype == pge.AlterTableType.AT_AddConstraint
            and isinstance(d, ast.Constraint)
            and d.contype
            in (pge.ConstrType.CONSTR_PRIMARY, pge.ConstrType.CONSTR_UNIQUE, pge.ConstrType.CONSTR_EXCLUSION)
            and d.conname
        ):
            cat.add(ObjectKind.INDEX, schema, d.conname)
        elif cmd.subtype == pge.AlterTableType.AT_AddIdentity and isinstance(d, ast.Constraint):
            for opt in d.options or ():
                if opt.defname == "sequence_name":
                    cat.add(ObjectKind.SEQUENCE, *_qual(opt.arg))


def roles_in_schema(parsed: ParsedSchema) -> set[str]:
    """Every role the script names: owners, grantees, grantors, policy roles, default-ACL roles."""
    names: set[str] = set()
    for raw in parsed.statements:
        for node in iter_nodes(raw):
            if isinstance(node, ast.RoleSpec) and node.roletype == pge.RoleSpecType.ROLESPEC_CSTRING and node.rolename:
                names.add(node.rolename)
            elif isinstance(node, ast.GrantRoleStmt):
                names.update(p.priv_name for p in node.granted_roles or () if p.priv_name)
    return names
