"""``[policy] forbid``: statement kinds refused in bundles (rollbacks follow rollback.scope instead).

Kinds come from the AST (see :mod:`pgwarden.lint.kinds`), so ``DROP TABLE`` matches however it is
spelled, and a DELETE hidden in a WITH query or a DO block is still a DELETE.
"""

from __future__ import annotations

from pglast import ast

from pgwarden.package.lint.context import Ctx, inside
from pgwarden.package.lint.units import Unit
from pgwarden.parsing.statement_kinds import statement_kinds
from pgwarden.rules import Rule

_NESTED_DML = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")


def check_unit(ctx: Ctx, unit: Unit) -> None:
    if not ctx.forbid or unit.role != "apply" or unit.scope == "function":
        return
    hits: list[tuple[str, int | None]] = []
    for kind in statement_kinds(unit.node):
        if kind in ctx.forbid:
            hits.append((kind, None))
    for cls in _NESTED_DML:
        for node in unit.index.get(cls, ()):
            if node is unit.node:
                continue
            kind = statement_kinds(node)[0]
            if kind in ctx.forbid:
                rel = getattr(node, "relation", None)
                hits.append((kind, rel.location if isinstance(rel, ast.RangeVar) else None))
    for kind, loc in hits:
        ctx.report(
            Rule.POLICY_FORBID,
            unit,
            unit.at(loc, kind.split()[0]),
            f"{kind}{inside(unit)} is forbidden in bundles by [policy] forbid",
            facts={"kind": kind},
        )
