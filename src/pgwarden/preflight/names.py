"""Names as PostgreSQL prints them in messages: quote_identifier(), qualified names, signatures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pglast import ast
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS
from pglast.stream import RawStream

_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
_NOT_UNRESERVED = frozenset(RESERVED_KEYWORDS | COL_NAME_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS)


def quote_ident(name: str) -> str:
    """PostgreSQL's quote_identifier(): quotes unless plain lower-case and not a reserved keyword."""
    if _PLAIN.match(name) and name not in _NOT_UNRESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def strings(items: Any) -> tuple[str, ...]:
    """The ``sval`` of each ``String`` node in a name list."""
    return tuple(s.sval or "" for s in (items or ()) if isinstance(s, ast.String))


def split_qualified(parts: Sequence[str]) -> tuple[str | None, str]:
    """(schema, name); a leading database name is dropped."""
    if not parts:
        return None, ""
    if len(parts) == 1:
        return None, parts[0]
    return parts[-2], parts[-1]


def name_list(parts: Sequence[str]) -> str:
    """NameListToString(): the parts joined by dots, unquoted (as in "function s.f(integer)")."""
    return ".".join(parts)


def qualified(schema: str | None, name: str, visible_path: Sequence[str] | None = None) -> str:
    """The name, schema-qualified unless ``schema`` is on ``visible_path``; quoted as needed."""
    if schema is None or (visible_path is not None and schema in visible_path):
        return quote_ident(name)
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def signature(name: str, arg_displays: Sequence[str], *, sep: str = ",") -> str:
    return f"{name}({sep.join(arg_displays)})"


def rangevar_parts(rv: Any) -> tuple[str | None, str]:
    return (rv.schemaname or None, rv.relname)


def rangevar_text(rv: Any) -> str:
    """How RangeVar-based "does not exist" messages print a name: schema.rel as written."""
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname


def split_search_path(setting: str) -> list[str]:
    """Split a search_path setting the way PostgreSQL's SplitIdentifierString does."""
    out: list[str] = []
    i, n = 0, len(setting)
    while i < n:
        while i < n and (setting[i].isspace() or setting[i] == ","):
            i += 1
        if i >= n:
            break
        if setting[i] == '"':
            j = i + 1
            buf: list[str] = []
            while j < n:
                if setting[j] == '"':
                    if j + 1 < n and setting[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(setting[j])
                j += 1
            out.append("".join(buf))
            i = j + 1
        else:
            j = i
            while j < n and setting[j] != "," and not setting[j].isspace():
                j += 1
            out.append(setting[i:j].lower())
            i = j
    return out


def deparse(node: Any) -> str:
    """The SQL text of an AST node, as pglast prints it."""
    return str(RawStream()(node))
