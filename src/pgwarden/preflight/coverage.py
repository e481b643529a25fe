"""What preflight does not judge in a statement it predicts OK: said, never a silent OK.

Preflight models names, existence, kinds, ownership and privileges, types, CREATE OR REPLACE
compatibility, dependencies and a set of option rules. Much of what the server checks lies beyond that:
partition bounds, expressions in CHECK constraints and defaults, function bodies beyond their syntax,
inheritance rules, index expressions. For an OK prediction, :func:`unjudged` names the parts of the
statement that fall outside the model; the statement is then reported as "not predicted: rehearsal
covers it" rather than as a prediction of success.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.parsing.walk import enum_name
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Relation

_JUDGED_ALTER = {
    "AT_AddColumn",
    "AT_DropColumn",
    "AT_ColumnDefault",
    "AT_DropConstraint",
    "AT_ChangeOwner",
    "AT_SetStatistics",
    "AT_SetStorage",
    "AT_EnableTrig",
    "AT_DisableTrig",
    "AT_EnableRowSecurity",
    "AT_DisableRowSecurity",
    "AT_ForceRowSecurity",
    "AT_NoForceRowSecurity",
    "AT_ClusterOn",
    "AT_DropCluster",
    "AT_EnableTrigAll",
    "AT_DisableTrigAll",
    "AT_EnableTrigUser",
    "AT_DisableTrigUser",
    "AT_ReplicaIdentity",
    "AT_SetNotNull",
}
_PLAIN_TRAITS = ("partition", "typed", "child", "parent", "identity_or_generated", "system")


def constant(node: Any) -> bool:
    """A literal, possibly cast or negated: what needs no expression analysis."""
    if node is None or isinstance(node, ast.A_Const):
        return True
    if isinstance(node, ast.TypeCast):
        return constant(node.arg)
    if (
        isinstance(node, ast.A_Expr)
        and node.lexpr is None
        and len(node.name or ()) == 1
        and getattr((node.name or ("",))[0], "sval", "") in ("-", "+")
    ):
        return constant(node.rexpr)
    return False


def _column_gaps(col: Any) -> list[str]:
    gaps = []
    if col.raw_default is not None and not constant(col.raw_default):
        gaps.append("default expressions")
    if col.identity or col.generated:
        gaps.append("identity and generated columns")
    if col.storage or getattr(col, "compression", None):
        gaps.append("column storage")
    for c in col.constraints or ():
        kind = enum_name(getattr(c, "contype", ""))
        if kind in ("CONSTR_DEFAULT",) and constant(getattr(c, "raw_expr", None)):
            continue
        if kind not in ("CONSTR_NOTNULL", "CONSTR_NULL", "CONSTR_DEFAULT"):
            gaps.append(_CONSTRAINT_WORDS.get(kind, "column constraints"))
        elif kind == "CONSTR_DEFAULT":
            gaps.append("default expressions")
    return gaps


_CONSTRAINT_WORDS = {
    "CONSTR_CHECK": "CHECK expressions",
    "CONSTR_PRIMARY": "keys",
    "CONSTR_UNIQUE": "keys",
    "CONSTR_FOREIGN": "foreign keys (beyond the referenced table)",
    "CONSTR_EXCLUSION": "exclusion constraints",
    "CONSTR_IDENTITY": "identity and generated columns",
    "CONSTR_GENERATED": "identity and generated columns",
}


def _create_table(node: Any) -> list[str]:
    gaps = []
    if node.partbound is not None:
        gaps.append("partition bounds")
    if node.partspec is not None:
        gaps.append("the partition key")
    if node.inhRelations:
        gaps.append("inheritance")
    if node.ofTypename is not None:
        gaps.append("typed-table columns")
    if node.options:
        gaps.append("storage parameters")
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            gaps += _column_gaps(elt)
        elif isinstance(elt, ast.TableLikeClause):
            gaps.append("LIKE")
        elif isinstance(elt, ast.Constraint):
            gaps.append(_CONSTRAINT_WORDS.get(enum_name(elt.contype), "table constraints"))
    return gaps


def _alter_table(node: Any, ctx: Ctx) -> list[str]:
    gaps = []
    rel: Relation | None = None
    if node.relation is not None:
        rel = ctx.state.find_relation(node.relation.schemaname or None, node.relation.relname)
    for cmd in node.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        sub = enum_name(cmd.subtype)
        if sub not in _JUDGED_ALTER:
            gaps.append(sub.removeprefix("AT_"))
        elif sub == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            gaps += _column_gaps(cmd.def_)
        elif sub == "AT_ColumnDefault" and cmd.def_ is not None:
            gaps.append("default expressions")
        elif sub == "AT_DropColumn" and rel is not None and rel.relkind == "p":
            gaps.append("the partition key")
        elif sub in ("AT_SetStatistics", "AT_SetStorage") and rel is not None and rel.relkind in ("i", "I"):
            gaps.append("index columns")
    if rel is not None and rel.origin == "live":
        traits = [t for t in _PLAIN_TRAITS if t in rel.traits]
        if traits:
            gaps.append("rules for " + ", ".join(t.replace("_", " ") for t in traits) + " tables")
        if rel.relkind not in ("r", "p"):
            gaps.append(f"ALTER on a relation of kind {rel.relkind}")
    return gaps


def _create_function(node: Any, ctx: Ctx) -> list[str]:
    from pgwarden.preflight.bodies import language

    gaps = []
    lang = (language(node) or "sql").lower()
    if node.sql_body is not None:
        gaps.append("the SQL-standard body's semantics")
    elif ctx.state.check_bodies and lang in ("sql", "plpgsql"):
        gaps.append(f"the {lang} body beyond its syntax")
    ret = node.returnType
    names = [getattr(n, "sval", "") for n in (getattr(ret, "names", None) or ())]
    params = [p for p in node.parameters or () if isinstance(p, ast.FunctionParameter)]
    types = names + [getattr(n, "sval", "") for p in params for n in (getattr(p.argType, "names", None) or ())]
    if any(t.startswith("any") for t in types):
        gaps.append("polymorphic types")
    return gaps


def _index(node: Any) -> list[str]:
    gaps = []
    for p in node.indexParams or ():
        if not isinstance(p, ast.IndexElem) or p.expr is not None or p.opclass or p.collation:
            gaps.append("index expressions and operator classes")
            break
    if node.whereClause is not None:
        gaps.append("the index predicate")
    if node.indexIncludingParams:
        gaps.append("INCLUDE columns")
    if node.accessMethod and node.accessMethod != "btree":
        gaps.append(f"access method {node.accessMethod}")
    if node.unique or node.primary or node.isconstraint:
        gaps.append("uniqueness rules")
    if node.options:
        gaps.append("index parameters")
    return gaps


def _trigger(node: Any, ctx: Ctx) -> list[str]:
    gaps = []
    rel = ctx.state.find_relation(node.relation.schemaname or None, node.relation.relname)
    if rel is not None and rel.relkind == "p":
        gaps.append("the partitions' own triggers")
    if node.whenClause is not None:
        gaps.append("the WHEN condition")
    if node.transitionRels:
        gaps.append("transition tables")
    if node.columns:
        gaps.append("column lists")
    if node.isconstraint:
        gaps.append("constraint triggers")
    return gaps


def unjudged(node: Any, ctx: Ctx) -> str | None:
    """The parts of ``node`` (predicted OK) that preflight did not judge, or None when it judged it all."""
    kind = type(node).__name__
    gaps: list[str] = []
    if kind == "CreateStmt":
        gaps = _create_table(node)
    elif kind == "AlterTableStmt":
        gaps = _alter_table(node, ctx)
    elif kind == "CreateFunctionStmt":
        gaps = _create_function(node, ctx)
    elif kind == "IndexStmt":
        gaps = _index(node)
    elif kind == "CreateTrigStmt":
        gaps = _trigger(node, ctx)
    elif kind == "DefineStmt":
        gaps = ["the type's or aggregate's support functions" if node.definition else ""]
    elif kind == "CreateSchemaStmt" and node.schemaElts:
        gaps = ["schema elements"]
    elif kind == "CreateDomainStmt" and node.constraints:
        gaps = ["domain constraints"]
    elif kind == "CreateSeqStmt" and any(getattr(d, "defname", "") == "owned_by" for d in node.options or ()):
        gaps = ["OWNED BY"]
    elif kind == "AlterSeqStmt":
        gaps = ["sequence options against the current values"]
    elif kind == "RenameStmt":
        gaps = ["inheritance rules"] if enum_name(node.renameType) in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT") else []
    elif kind == "CreateTableAsStmt" and node.into is not None and node.into.options:
        gaps = ["storage parameters"]
    gaps = [g for g in dict.fromkeys(gaps) if g]
    return ("not judged: " + ", ".join(gaps) + "; rehearsal covers it") if gaps else None
