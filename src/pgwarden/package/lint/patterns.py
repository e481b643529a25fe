"""The small languages of ``[policy]``: call patterns and table names, read with PostgreSQL's grammar.

A call pattern is ``schema.function(arg, …)``: ``*`` matches any one argument, a literal matches by
value (``false`` also matches ``'f'`` or ``'false'::boolean``), and a pattern without parentheses
matches every call of the function. The pattern is turned into a real SQL expression (each ``*``
token, found by the scanner, becomes a placeholder column) and parsed by pglast.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast import scan as _pg_scan
from pglast.parser import ParseError

from pgwarden.parsing.names import split_dotted
from pgwarden.parsing.tree import parse as _pg_parse
from pgwarden.parsing.walk import Const, const_of, split_name, strings

_ANY = "pgwarden_any_argument_"


@dataclass(frozen=True)
class CallPattern:
    text: str  # as written in the manifest
    schema: str | None  # None: any schema
    name: str
    args: tuple[Const | None, ...] | None  # None: any arguments; an element None: "*"

    def describe_arg(self, i: int) -> str:
        assert self.args is not None
        a = self.args[i]
        return "*" if a is None else a.show()


def parse_call_pattern(text: str) -> CallPattern:
    """Parse ``schema.fn(*, *, false)``; ValueError says what is wrong."""
    try:
        tokens = _pg_scan(text)
    except ParseError as exc:
        raise ValueError(str(exc.args[0])) from None
    if not tokens:
        raise ValueError("empty pattern")
    pieces, pos = [], 0
    for tok in tokens:
        if tok.name == "ASCII_42":  # "*"
            pieces += [text[pos : tok.start], _ANY]
            pos = tok.end + 1
        elif tok.name == "ASCII_59":
            raise ValueError("';' is not allowed")
    pieces.append(text[pos:])
    expr = "".join(pieces)
    try:
        raw = _pg_parse(f"SELECT {expr}")
    except ParseError as exc:
        raise ValueError(str(exc.args[0])) from None
    sel = raw[0].stmt if len(raw) == 1 else None
    if not isinstance(sel, ast.SelectStmt) or sel.fromClause or sel.whereClause or len(sel.targetList or ()) != 1:
        raise ValueError("expected exactly one function name or call")
    val = (sel.targetList or (None,))[0].val
    if isinstance(val, ast.ColumnRef):
        parts = strings(val.fields)
        if len(parts) not in (1, 2) or len(parts) != len(val.fields or ()):
            raise ValueError("expected schema.function or function")
        schema, name = split_name(parts)
        return CallPattern(text, schema, name, None)
    if not isinstance(val, ast.FuncCall) or val.agg_order or val.over or val.agg_filter:
        raise ValueError("expected schema.function(arg, …)")
    parts = strings(val.funcname)
    if len(parts) > 2:
        raise ValueError("expected schema.function(arg, …)")
    schema, name = split_name(parts)
    args: list[Const | None] = []
    for a in val.args or ():
        if isinstance(a, ast.ColumnRef) and strings(a.fields) == (_ANY,):
            args.append(None)
            continue
        c = const_of(a)
        if c is None:
            raise ValueError("each argument must be * or a literal (true, 42, 'text', NULL)")
        args.append(c)
    return CallPattern(text, schema, name, tuple(args))


def parse_table_name(text: str) -> tuple[str | None, str]:
    """``public.information_unit`` -> ("public", "information_unit"); ValueError if not a table name."""
    parts = split_dotted(text)
    if len(parts) > 2:
        raise ValueError("expected schema.table")
    return (parts[0] if len(parts) == 2 else None, parts[-1])
