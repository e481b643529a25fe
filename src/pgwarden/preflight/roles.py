"""SET ROLE / SET SESSION AUTHORIZATION inside a package, and the privilege checks that follow it.

Preflight never runs these statements: it asks the server (read-only) whether the role exists and
whether the session user may become it, and from then on answers ownership and CREATE-privilege
questions for that role, as the server will when the bundle runs.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.preflight.context import Ctx
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

_NAMES = ("role", "session_authorization")


def handles(node: Any) -> bool:
    return (node.name or "").lower() in _NAMES


def set_role(node: Any, ctx: Ctx) -> Prediction:
    """Follow SET [LOCAL] ROLE / RESET ROLE / SET SESSION AUTHORIZATION (refusing what the server refuses)."""
    state = ctx.state
    is_auth = (node.name or "").lower() == "session_authorization"
    kind = str(getattr(node.kind, "name", node.kind))
    if kind in ("VAR_RESET", "VAR_SET_DEFAULT"):
        role = state.live.session_user
    elif (
        kind == "VAR_SET_VALUE"
        and node.args
        and isinstance(node.args[0], ast.A_Const)
        and isinstance(node.args[0].val, ast.String)
    ):
        role = node.args[0].val.sval or ""
        if not is_auth and role == "none":
            role = state.live.session_user
        elif role != state.live.session_user:
            priv = "SUPERUSER" if is_auth else ("SET" if ctx.major >= 16 else "MEMBER")
            auth = ctx.resolver.cur.connection.info.user  # the role that logged in
            row = ctx.ask("role_set", {"role": role, "priv": priv, "auth": auth})
            if not row.get("role_exists"):
                raise Refusal(
                    Rule.PREFLIGHT_MISSING,
                    "22023" if not is_auth else "42704",
                    f'role "{role}" does not exist',
                    fix="create the role first, or fix its name",
                )
            if not row.get("allowed"):
                what = "set role" if not is_auth else "set session authorization"
                raise Refusal(
                    Rule.PREFLIGHT_PERMISSION,
                    "42501",
                    f'permission denied to {what} "{role}"',
                    fix=f"grant {role} to {state.live.session_user}, or drop the statement",
                )
    else:
        return ok(modeled=False)
    if node.is_local:
        state.local_role = role
    else:
        state.role, state.local_role = role, None
    state.epoch += 1
    return ok()
