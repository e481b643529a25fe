"""``[policy] protected_tables``: no INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM outside probes.

Writes are found as AST nodes wherever they are: top level, WITH queries, DO blocks, EXECUTE of a
constant string, and the bodies of functions the package creates. An unqualified name is a write to
the protected table if ``search_path`` could resolve it there (``$user`` is the guarded role when
``[target] role`` is set). An unqualified entry in ``protected_tables`` protects that name in every
schema.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.package.lint.context import Ctx, inside
from pgwarden.package.lint.units import Unit
from pgwarden.parsing.walk import candidate_schemas, qualify, rangevar
from pgwarden.rules import Rule

_VERBS = {
    "InsertStmt": "INSERT into",
    "UpdateStmt": "UPDATE of",
    "DeleteStmt": "DELETE from",
    "MergeStmt": "MERGE into",
}


def _targets(unit: Unit) -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for cls, verb in _VERBS.items():
        out += [(verb, n, n.relation) for n in unit.index.get(cls, ()) if isinstance(n.relation, ast.RangeVar)]
    for n in unit.index.get("TruncateStmt", ()):
        out += [("TRUNCATE of", n, rv) for rv in n.relations or () if isinstance(rv, ast.RangeVar)]
    for n in unit.index.get("CopyStmt", ()):
        if n.is_from and isinstance(n.relation, ast.RangeVar):
            out.append(("COPY FROM into", n, n.relation))
    return out


def _nesting(root: Any) -> str:
    if isinstance(root, ast.RuleStmt):
        return " inside a rule action"
    if isinstance(root, ast.CreateFunctionStmt):
        return " inside a SQL function body"
    if isinstance(root, ast.ExplainStmt | ast.PrepareStmt | ast.DeclareCursorStmt):
        return f" inside {type(root).__name__.removesuffix('Stmt').upper()}"
    return " inside a WITH query"


def check_unit(ctx: Ctx, unit: Unit) -> None:
    if not ctx.protected or unit.role == "probe":
        return
    for verb, node, rv in _targets(unit):
        schema, name = rangevar(rv)
        cands = candidate_schemas(schema, unit.search_path, ctx.role)
        for (pschema, pname), entry in zip(ctx.protected, ctx.pkg.policy.protected_tables, strict=True):
            if pname != name or (pschema is not None and pschema not in cands):
                continue
            table = qualify(pschema or schema, pname)
            how = (
                ""
                if schema
                else (
                    f" through the unqualified name {name}, which search_path "
                    f"{', '.join(unit.search_path)} resolves to it"
                )
            )
            nested = _nesting(unit.node) if node is not unit.node else ""
            ctx.report(
                Rule.POLICY_PROTECTED_TABLE,
                unit,
                unit.at(rv.location, (qualify(schema, name), name)),
                f"{verb} protected table {table}{how}{nested}{inside(unit)}; writes to protected "
                "tables are allowed only in rollback-only probes",
                facts={"table": table, "entry": entry},
            )
            break
