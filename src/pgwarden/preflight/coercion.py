"""A parameter DEFAULT must coerce to the parameter's type in assignment context (coerce_to_specific_type).

``argument of DEFAULT must be type bigint, not type text`` (42804) is predicted only where
find_coercion_pathway() certainly finds nothing: no implicit or assignment cast between the base
types, not both arrays, and a target outside the string category (every type converts to a string
type by I/O in assignment context). An untyped literal is converted by the type's input function,
which the server runs during parse analysis: describing a cast of it reproduces that error exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pglast import ast

from pgwarden import shipped_sql
from pgwarden.preflight.model import RECORD_OID, UNKNOWN_OID, TypeInfo
from pgwarden.preflight.names import deparse
from pgwarden.preflight.prediction import Refusal
from pgwarden.rules import Rule

if TYPE_CHECKING:
    from pgwarden.preflight.context import Ctx

_MAX_DEPTH = 4


def check_default(node: Any, target: TypeInfo, ctx: Ctx) -> None:
    """Raise the server's refusal of DEFAULT ``node`` for a parameter of type ``target`` (non-polymorphic)."""
    if not isinstance(target.ref, int) or _plainly_fits(node, target, ctx):
        return
    if _is_untyped(node):
        d = ctx.resolver.describe(f"SELECT ({deparse(node)})::{ctx.resolver.display(target.ref)}")
        _data_error(d, target)
        return
    d = ctx.resolver.describe(f"SELECT ({deparse(node)})")
    _data_error(d, target)
    source = d.columns[0].type if d.error is None and len(d.columns) == 1 else None
    if not isinstance(source, int) or source in (target.ref, RECORD_OID) or _coercible(ctx, source, target.ref):
        return
    raise Refusal(
        Rule.PREFLIGHT_CREATE_INVALID,
        "42804",
        f"argument of DEFAULT must be type {ctx.resolver.display(target.ref)}, not type {ctx.resolver.display(source)}",
        fix=f"cast the default to {target.display}, or give one of that type",
    )


def _is_untyped(node: Any) -> bool:
    return isinstance(node, ast.A_Const) and isinstance(node.val, ast.String)


def _data_error(d: Any, target: TypeInfo) -> None:
    """A data exception (22xxx: invalid input syntax, out of range) raised while analysing the default."""
    if d.error is not None and d.error.sqlstate.startswith("22"):
        raise Refusal.server(Rule.PREFLIGHT_CREATE_INVALID, d.error, f"give a default that is a valid {target.display}")


def _plainly_fits(node: Any, target: TypeInfo, ctx: Ctx) -> bool:
    """NULL, or NULL cast straight to the parameter's own type (``NULL::text``): no round trip needed."""
    if isinstance(node, ast.A_Const) and node.isnull:
        return True
    if (
        isinstance(node, ast.TypeCast)
        and node.typeName is not None
        and isinstance(node.arg, ast.A_Const)
        and node.arg.isnull
    ):
        try:
            return ctx.resolver.type_of(node.typeName).ref == target.ref
        except Refusal:
            return False
    return False


def _coercible(ctx: Ctx, src: int, dst: int, depth: int = 0) -> bool:
    """True unless the server certainly has no assignment pathway from ``src`` to ``dst``."""
    if depth > _MAX_DEPTH:
        return True
    cur = ctx.resolver.cur
    cur.execute(shipped_sql.load("pgwarden.preflight", "coercion.sql"), {"src": src, "dst": dst})
    row = cur.fetchone()
    if row is None:
        return True
    if row["src_base"] == row["dst_base"] or row["assignment_cast"] or row["dst_category"] == "S":
        return True
    if row["dst_category"] in ("P", "C", "X") or row["src_base"] in (UNKNOWN_OID, RECORD_OID):
        return True  # pseudo-types, composites, unknown: other rules apply; do not guess
    if row["src_elem"] and row["dst_elem"]:
        return _coercible(ctx, int(row["src_elem"]), int(row["dst_elem"]), depth + 1)
    return False
