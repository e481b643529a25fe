"""DROP of every object kind that preflight does not model one by one: rules, casts, operators, operator
classes and families, languages, conversions, text search objects, access methods, foreign-data wrappers,
servers, user mappings, policies, publications, statistics objects, event triggers, collations, transforms
and domain constraints.

The name is resolved by the server's own ``pg_get_object_address()`` (read-only, in a savepoint): the
code DROP itself uses, so a missing object is refused with the very SQLSTATE and message DROP will raise.
A found object is then checked for dependents (:mod:`pgwarden.preflight.dependencies`).
"""

from __future__ import annotations

from typing import Any

import psycopg
from pglast import ast
from pglast.stream import RawStream

from pgwarden.preflight import dependencies
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.names import strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

# DropStmt.removeType -> pg_get_object_address() type
ADDRESS_TYPES = {
    "OBJECT_RULE": "rule",
    "OBJECT_POLICY": "policy",
    "OBJECT_CAST": "cast",
    "OBJECT_OPERATOR": "operator",
    "OBJECT_OPCLASS": "operator class",
    "OBJECT_OPFAMILY": "operator family",
    "OBJECT_LANGUAGE": "language",
    "OBJECT_ACCESS_METHOD": "access method",
    "OBJECT_FDW": "foreign-data wrapper",
    "OBJECT_FOREIGN_SERVER": "server",
    "OBJECT_EVENT_TRIGGER": "event trigger",
    "OBJECT_PUBLICATION": "publication",
    "OBJECT_CONVERSION": "conversion",
    "OBJECT_COLLATION": "collation",
    "OBJECT_STATISTIC_EXT": "statistics object",
    "OBJECT_TSCONFIGURATION": "text search configuration",
    "OBJECT_TSDICTIONARY": "text search dictionary",
    "OBJECT_TSPARSER": "text search parser",
    "OBJECT_TSTEMPLATE": "text search template",
    "OBJECT_TRANSFORM": "transform",
}
_SAVEPOINT = "pgwarden_preflight_address"


def _type_text(tn: Any) -> str:
    return RawStream()(tn) if tn is not None else "NONE"


def _address_args(kind: str, obj: Any) -> tuple[list[str], list[str]] | None:
    """(object_names, object_args) for ``pg_get_object_address``, from one DropStmt object."""
    if isinstance(obj, ast.String):
        return [str(obj.sval)], []
    if kind == "OBJECT_CAST" and isinstance(obj, tuple) and len(obj) == 2:
        return [_type_text(obj[0])], [_type_text(obj[1])]
    if kind == "OBJECT_TRANSFORM" and isinstance(obj, tuple) and len(obj) == 2:
        return [_type_text(obj[0])], [str(getattr(obj[1], "sval", obj[1]))]
    if kind == "OBJECT_OPERATOR" and isinstance(obj, ast.ObjectWithArgs):
        return list(strings(obj.objname)), [_type_text(t) for t in obj.objargs or ()]
    if isinstance(obj, tuple) and all(isinstance(x, ast.String) for x in obj):
        return list(strings(obj)), []
    return None


def address(ctx: Ctx, typ: str, names: list[str], args: list[str]) -> tuple[str, int, int]:
    """(catalog, objid, objsubid) as the server resolves the name; raises the server's own refusal."""
    cur = ctx.resolver.cur
    try:
        with ctx.resolver.user_path(_SAVEPOINT):  # unqualified names resolve as the package's path says
            cur.execute(
                "SELECT (SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_class c "
                "WHERE c.oid OPERATOR(pg_catalog.=) a.classid) AS catalog, a.objid::bigint AS objid, "
                "a.objsubid FROM pg_catalog.pg_get_object_address(%s::pg_catalog.text, "
                "%s::pg_catalog.text[], %s::pg_catalog.text[]) a",
                (typ, names, args),
            )
            row = cur.fetchone()
    except psycopg.errors.QueryCanceled:
        raise
    except psycopg.Error as exc:
        d = exc.diag
        raise Refusal(
            Rule.PREFLIGHT_MISSING,
            d.sqlstate or "42704",
            d.message_primary or str(exc),
            detail=d.message_detail,
            hint=d.message_hint,
            fix="use IF EXISTS, or check the name: no such object exists at this point",
        ) from None
    assert row is not None
    return str(row["catalog"]), int(row["objid"]), int(row["objsubid"])


def generic_drop(stmt: Any, kind: str, ctx: Ctx, cascade: bool) -> Prediction:
    typ = ADDRESS_TYPES.get(kind)
    if typ is None:
        return ok(modeled=False)
    if ctx.state.opaque is not None or ctx.state.touched:
        return ok(exact=False, note="earlier statements may have created or dropped it")
    for obj in stmt.objects or ():
        parts = _address_args(kind, obj)
        if parts is None:
            return ok(modeled=False)
        try:
            catalog, objid, _sub = address(ctx, typ, *parts)
        except Refusal as r:
            missing_am = kind in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY") and (r.prediction.message or "").startswith(
                "access method"
            )
            if stmt.missing_ok and not missing_am:  # IF EXISTS does not excuse a missing access method
                continue
            raise
        dependencies.check_drop(ctx, catalog, objid, cascade=cascade)
    return ok()


def drop_user_mapping(stmt: Any, ctx: Ctx) -> Prediction:
    kind = str(getattr(getattr(stmt.user, "roletype", None), "name", ""))
    role = {
        "ROLESPEC_CURRENT_USER": ctx.state.user(),
        "ROLESPEC_CURRENT_ROLE": ctx.state.user(),
        "ROLESPEC_SESSION_USER": ctx.state.live.session_user,
        "ROLESPEC_PUBLIC": "public",
    }.get(kind, getattr(stmt.user, "rolename", None))
    if not role:
        return ok(modeled=False)
    try:
        address(ctx, "user mapping", [str(role)], [str(stmt.servername)])
    except Refusal:
        if stmt.missing_ok:
            return ok()
        raise
    return ok()


def alter_domain(stmt: Any, ctx: Ctx) -> Prediction:
    """ALTER DOMAIN … DROP CONSTRAINT of a missing constraint (42704), and its dependents."""
    if stmt.subtype != "X" or not stmt.name:
        return ok(modeled=False)
    try:
        catalog, objid, _sub = address(ctx, "domain constraint", list(strings(stmt.typeName)), [str(stmt.name)])
    except Refusal as r:
        if stmt.missing_ok:
            return ok()
        if (r.prediction.message or "").startswith("constraint "):  # ALTER DOMAIN words it its own way
            raise Refusal(
                Rule.PREFLIGHT_MISSING,
                "42704",
                f'constraint "{stmt.name}" of domain "{strings(stmt.typeName)[-1]}" does not exist',
                fix="use DROP CONSTRAINT IF EXISTS, or check the name",
            ) from None
        raise
    dependencies.check_drop(ctx, catalog, objid, cascade=str(getattr(stmt.behavior, "name", "")) == "DROP_CASCADE")
    return ok()
