"""CREATE FUNCTION's checks of the language and the body (CreateFunction, interpret_AS_clause, validators).

The language must exist before parameters are even looked at. A SQL-standard body (``RETURN ...`` /
``BEGIN ATOMIC``) cannot have polymorphic arguments. With ``check_function_bodies`` on (the default),
the language's validator runs last, after the replace checks: a body that PostgreSQL's own grammars
(SQL, PL/pgSQL, via pglast) reject with a syntax error is refused with the parser's message. Only
syntax is checked; what parse analysis of the body would find stays unpredicted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pglast import ast, parse_plpgsql
from pglast.parser import ParseError, parse_sql
from pglast.stream import RawStream

from pgwarden.preflight.model import POLYMORPHIC_OIDS, Param
from pgwarden.preflight.prediction import Refusal
from pgwarden.rules import Rule

if TYPE_CHECKING:
    from pgwarden.preflight.context import Ctx


def language(stmt: Any) -> str | None:
    for d in stmt.options or ():
        if isinstance(d, ast.DefElem) and d.defname == "language" and isinstance(d.arg, ast.String):
            return d.arg.sval
    return None


def _body(stmt: Any) -> str | None:
    for d in stmt.options or ():
        if isinstance(d, ast.DefElem) and d.defname == "as" and d.arg:
            first = d.arg[0] if isinstance(d.arg, tuple) else d.arg
            return first.sval if isinstance(first, ast.String) else None
    return None


def _as_items(stmt: Any) -> int:
    for d in stmt.options or ():
        if isinstance(d, ast.DefElem) and d.defname == "as" and d.arg:
            return len(d.arg) if isinstance(d.arg, tuple) else 1
    return 0


def check_language(stmt: Any, ctx: Ctx) -> None:
    """``language "x" does not exist`` (42704), before parameter types are resolved."""
    lang = language(stmt)
    if lang is None:
        return
    known = ctx.state.live.languages
    if known.get(lang) or ctx.state.extension_exists(lang) or not known:
        return
    hint = "Use CREATE EXTENSION to load the language into the database." if lang in known else None
    raise Refusal(
        Rule.PREFLIGHT_MISSING,
        "42704",
        f'language "{lang}" does not exist',
        hint=hint,
        fix=f"CREATE EXTENSION {lang} first, or use an installed language",
    )


def check_sql_body(stmt: Any, params: tuple[Param, ...]) -> None:
    """A SQL-standard body cannot have polymorphic arguments (42P13)."""
    if stmt.sql_body is None:
        return
    if any(p.type in POLYMORPHIC_OIDS for p in params if p.mode in ("i", "b", "v")):
        raise Refusal(
            Rule.PREFLIGHT_CREATE_INVALID,
            "42P13",
            "SQL function with unquoted function body cannot have polymorphic arguments",
            fix="use a quoted body (AS $$ ... $$) or concrete argument types",
        )


def check_body_syntax(stmt: Any, ctx: Ctx) -> None:
    """The validator's syntax check of a quoted SQL or PL/pgSQL body (skipped with check_function_bodies off)."""
    if not ctx.state.check_bodies or stmt.sql_body is not None:
        return
    lang, body = (language(stmt) or "").lower(), _body(stmt)
    if body is None:
        return
    if lang in ("sql", "plpgsql") and _as_items(stmt) > 1:
        raise Refusal(
            Rule.PREFLIGHT_CREATE_INVALID,
            "42P13",
            f'only one AS item needed for language "{lang}"',
            fix="give the body as one string: AS $$ ... $$",
        )
    try:
        if lang == "sql":
            parse_sql(body)
        elif lang == "plpgsql":
            # PL/pgSQL is parsed from the whole CREATE FUNCTION: its own text, or the AST printed back.
            parse_plpgsql(ctx.source if ctx.source is not None else RawStream()(stmt))
    except ParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        if not message.startswith("syntax error at "):
            return  # pglast's PL/pgSQL parser lacks the catalog (e.g. for VARIADIC): only trust pure syntax
        raise Refusal(
            Rule.PREFLIGHT_BODY_SYNTAX, "42601", message, fix=f"fix the {lang} function body: its parser rejects it"
        ) from None
