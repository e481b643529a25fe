"""SET ROLE / SET SESSION AUTHORIZATION inside a package, and the privilege checks that follow it.

Preflight never runs these statements: it asks the server (read-only) whether the role exists and
whether the session user may become it, and from then on answers ownership and CREATE-privilege
questions for that role, as the server will when the bundle runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pglast import ast

from pgwarden import sqlfiles
from pgwarden.preflight.model import Relation, Routine, SchemaInfo
from pgwarden.preflight.prediction import Prediction, Refusal, ok

if TYPE_CHECKING:
    from pgwarden.preflight.context import Ctx

_NAMES = ("role", "session_authorization")


def handles(node: Any) -> bool:
    return (node.name or "").lower() in _NAMES


def _ask(ctx: Ctx, name: str, params: dict[str, Any]) -> dict[str, Any]:
    cache = ctx.resolver.role_cache
    key = (name, tuple(sorted(params.items())))
    if key not in cache:
        ctx.resolver.cur.execute(sqlfiles.load(f"preflight/{name}.sql"), params)
        row = ctx.resolver.cur.fetchone()
        cache[key] = dict(row) if row else {}
    return cache[key]


def set_role(node: Any, ctx: Ctx) -> Prediction:
    """Follow SET [LOCAL] ROLE / RESET ROLE / SET SESSION AUTHORIZATION (refusing what the server refuses)."""
    state = ctx.state
    is_auth = (node.name or "").lower() == "session_authorization"
    kind = str(getattr(node.kind, "name", node.kind))
    if kind in ("VAR_RESET", "VAR_SET_DEFAULT"):
        role = state.live.session_user
    elif kind == "VAR_SET_VALUE" and node.args and isinstance(node.args[0], ast.A_Const) \
            and isinstance(node.args[0].val, ast.String):
        role = node.args[0].val.sval or ""
        if not is_auth and role == "none":
            role = state.live.session_user
        elif role != state.live.session_user:
            priv = "SUPERUSER" if is_auth else ("SET" if ctx.major >= 16 else "MEMBER")
            row = _ask(ctx, "role_set", {"role": role, "priv": priv})
            if not row.get("role_exists"):
                raise Refusal("preflight.missing", "22023" if not is_auth else "42704",
                              f'role "{role}" does not exist', fix="create the role first, or fix its name")
            if not row.get("allowed"):
                what = "set role" if not is_auth else "set session authorization"
                raise Refusal("preflight.permission", "42501", f'permission denied to {what} "{role}"',
                              fix=f"grant {role} to {state.live.session_user}, or drop the statement")
    else:
        return ok(modeled=False)
    if node.is_local:
        state.local_role = role
    else:
        state.role, state.local_role = role, None
    state.epoch += 1
    return ok()


def owns(ctx: Ctx, obj: Routine | Relation) -> bool:
    """Whether the role in effect has the privileges of ``obj``'s owner."""
    state = ctx.state
    if state.user() == state.live.current_user and obj.origin == "live":
        return obj.owned
    if not obj.owner:
        return True
    return bool(_ask(ctx, "role_privs", {"role": state.user(), "owner": obj.owner, "schema": None}).get("owns"))


def can_create(ctx: Ctx, info: SchemaInfo) -> bool:
    """CREATE on the schema for the role in effect (a schema the package created: its creator may)."""
    state = ctx.state
    if state.user() == state.live.current_user or info.oid is None:
        return info.can_create
    return bool(_ask(ctx, "role_privs", {"role": state.user(), "owner": None, "schema": info.oid})
                .get("can_create"))
