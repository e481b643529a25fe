"""Units of SQL to lint: each top-level statement, plus the SQL hidden inside it.

Hidden SQL is what runs without appearing as a statement of its own: the body of a ``DO`` block, the
bodies of functions and procedures the package creates (PL/pgSQL through pglast's PL/pgSQL parser,
SQL-language bodies through the SQL parser), and ``EXECUTE`` of a constant string. Each unit carries
the ``search_path`` in force where it runs and a way to turn AST locations into file:line:col.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, enums
from pglast import scan as _pg_scan
from pglast.parser import ParseError, parse_plpgsql_json

from pgwarden.parsing.source import SqlSource, Statement
from pgwarden.parsing.tree import parse as _pg_parse
from pgwarden.parsing.walk import (
    DEFAULT_SEARCH_PATH,
    const_of,
    defelem,
    index_nodes,
    search_path_of_set,
    split_name,
    strings,
)

_DYNAMIC_KEYS = {
    ("PLpgSQL_stmt_dynexecute", "query"),
    ("PLpgSQL_stmt_dynfors", "query"),
    ("PLpgSQL_stmt_return_query", "dynquery"),
    ("PLpgSQL_stmt_open", "dynquery"),
}


@dataclass
class Unit:
    node: Any
    src: SqlSource
    statement: Statement
    bundle: str | None
    role: str  # "apply" | "rollback" | "probe"
    origin: str  # "" for a top-level statement, else e.g. "DO block"
    scope: str  # "top" | "do" | "function"
    search_path: tuple[str, ...]
    base: int | None = 0  # node locations + base = file offset; None: use ``line``
    line: int = 0
    place: Callable[[int], tuple[int, int]] | None = None  # probes: offset -> manifest (line, col)
    _index: dict[str, list[Any]] | None = field(default=None, repr=False)

    @property
    def file(self) -> str:
        return self.src.rel

    @property
    def index(self) -> dict[str, list[Any]]:
        if self._index is None:
            self._index = index_nodes(self.node)
        return self._index

    def line_text(self, line: int) -> str:
        """The stripped text of a file line (the "statement" shown for SQL hidden in a body)."""
        starts = self.src.lines.starts
        if not 1 <= line <= len(starts):
            return self.statement.first_line
        end = starts[line] - 1 if line < len(starts) else len(self.src.text)
        text = self.src.text[starts[line - 1] : end].strip()
        return text if len(text) <= 160 else text[:157] + "..."

    def at(self, location: int | None = None, needle: str | tuple[str, ...] | None = None) -> tuple[int, int]:
        """File line/col of an AST location (or of ``needle`` on the unit's line)."""
        if self.place is not None:
            if self.base is None:
                starts = self.src.lines.starts
                return self.place(starts[min(max(self.line - 1, 0), len(starts) - 1)])
            off = location if location is not None and location >= 0 else self.statement.offset
            return self.place(off)
        if self.base is not None:
            if location is None or location < 0:
                return self.statement.line, self.statement.col
            return self.src.lines.at(self.base + location)
        starts = self.src.lines.starts
        i = min(max(self.line - 1, 0), len(starts) - 1)
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(self.src.text)
        text = self.src.text[starts[i] : end]
        for n in (needle,) if isinstance(needle, str) else needle or ():
            pos = text.lower().find(n.lower()) if n else -1
            if pos >= 0:
                return self.line, pos + 1
        return self.line, len(text) - len(text.lstrip()) + 1


@dataclass(frozen=True)
class BodyProblem:
    """A body pglast could not parse: what it says, where, and which policy names it mentions."""

    statement: Statement
    src: SqlSource
    bundle: str | None
    role: str
    line: int
    col: int
    message: str
    mentions: tuple[str, ...]
    what: str


@dataclass
class FileUnits:
    units: list[Unit]
    problems: list[BodyProblem]
    dynamic: list[Unit]  # units that run dynamic (non-constant) EXECUTE


def _body_start(src: SqlSource, loc: int | None) -> tuple[int, int]:
    """File offset where a string literal's content starts, given the literal's own location."""
    if loc is None:
        return 0, 0
    t = src.text
    if t.startswith("$", loc):
        close = t.find("$", loc + 1)
        return loc, (close + 1 if close >= 0 else loc)
    if t[loc : loc + 1] in ("e", "E"):
        return loc, loc + 2
    return loc, loc + 1


def _set_config_path(node: Any) -> tuple[str, ...] | None:
    """``SELECT set_config('search_path', 'a, b', …)`` with literal arguments."""
    from pgwarden.parsing.walk import parse_search_path

    if not isinstance(node, ast.SelectStmt) or not node.targetList or node.fromClause:
        return None
    for rt in node.targetList:
        fc = getattr(rt, "val", None)
        if (
            isinstance(fc, ast.FuncCall)
            and split_name(strings(fc.funcname))[1] == "set_config"
            and fc.args
            and len(fc.args) == 3
        ):
            name, value = const_of(fc.args[0]), const_of(fc.args[1])
            if name and value and name.kind == "str" and str(name.value).lower() == "search_path":
                return parse_search_path(str(value.value))
    return None


def function_search_path(node: Any) -> tuple[str, ...] | None:
    """The ``SET search_path`` clause of a CREATE FUNCTION, if any."""
    for o in node.options or ():
        if isinstance(o, ast.DefElem) and o.defname == "set" and isinstance(o.arg, ast.VariableSetStmt):
            sp = search_path_of_set(o.arg)
            if sp is not None:
                return sp
    return None


def _norm_token(text: str) -> str:
    if text.startswith('"') and text.endswith('"') and len(text) > 1:
        return text[1:-1].replace('""', '"')
    return text.lower()


def mentions(text: str, names: frozenset[str]) -> tuple[str, ...]:
    """Policy names that ``text`` mentions as identifiers or inside string literals (scanner tokens)."""
    if not names:
        return ()
    try:
        tokens = _pg_scan(text)
    except ParseError:
        low = text.lower()
        return tuple(sorted(n for n in names if n.lower() in low))
    found = set()
    for tok in tokens:
        word = text[tok.start : tok.end + 1]
        if tok.name == "SCONST":
            low = word.lower()
            found |= {n for n in names if n.lower() in low}
        elif _norm_token(word) in names:
            found.add(_norm_token(word))
    return tuple(sorted(found))


class _Extractor:
    def __init__(self, src: SqlSource, bundle: str | None, role: str, names: frozenset[str]) -> None:
        self.src, self.bundle, self.role, self.names = src, bundle, role, names
        self.out = FileUnits([], [], [])

    def unit(
        self,
        node: Any,
        st: Statement,
        origin: str,
        scope: str,
        path: tuple[str, ...],
        *,
        base: int | None = 0,
        line: int = 0,
    ) -> Unit:
        u = Unit(node, self.src, st, self.bundle, self.role, origin, scope, path, base, line)
        self.out.units.append(u)
        return u

    def problem(self, st: Statement, line: int, col: int, message: str, text: str, what: str) -> None:
        self.out.problems.append(
            BodyProblem(st, self.src, self.bundle, self.role, line, col, message, mentions(text, self.names), what)
        )

    # -- PL/pgSQL ---------------------------------------------------------------------------------
    def plpgsql(
        self, st: Statement, origin: str, scope: str, path: tuple[str, ...], body_loc: int | None, body_text: str
    ) -> None:
        start_line = self.src.lines.at(body_loc)[0] if body_loc is not None else st.line
        try:
            tree = json.loads(parse_plpgsql_json(st.text))
        except (ParseError, RecursionError) as exc:  # RecursionError: blocks nested too deeply for json
            line, col = self.src.lines.at(body_loc) if body_loc is not None else (st.line, st.col)
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc.args[0]) if exc.args else str(exc)
            self.problem(st, line, col, why, body_text, origin)
            return
        for kind, text, lineno, mode in _plpgsql_exprs(tree):
            line = start_line + max(lineno, 1) - 1
            if kind == "txn":
                self.unit(
                    ast.TransactionStmt(kind=getattr(enums.TransactionStmtKind, text)),
                    st,
                    origin,
                    scope,
                    path,
                    base=None,
                    line=line,
                )
                continue
            sql = _expr_sql(text, mode)
            try:
                raws = _pg_parse(sql)
            except ParseError as exc:
                self.problem(st, line, 1, str(exc.args[0]), text, origin)
                continue
            for rs in raws:
                u = self.unit(rs.stmt, st, origin, scope, path, base=None, line=line)
                if kind == "dynamic":
                    self.dynamic(u, rs.stmt)

    def dynamic(self, u: Unit, node: Any) -> None:
        """``EXECUTE <expr>``: a constant string is linted as SQL; anything else cannot be checked."""
        target = node.targetList[0].val if isinstance(node, ast.SelectStmt) and node.targetList else None
        c = const_of(target) if target is not None else None
        self.out.units.remove(u)
        if c is None or c.kind != "str":
            self.out.dynamic.append(u)
            return
        try:
            raws = _pg_parse(str(c.value))
        except ParseError as exc:
            self.problem(u.statement, u.line, 1, str(exc.args[0]), str(c.value), f"EXECUTE in {u.origin}")
            return
        for rs in raws:
            self.unit(rs.stmt, u.statement, f"EXECUTE in {u.origin}", u.scope, u.search_path, base=None, line=u.line)

    # -- statements -------------------------------------------------------------------------------
    def statement(self, st: Statement, path: tuple[str, ...]) -> None:
        node = st.node
        self.unit(node, st, "", "top", path)
        if isinstance(node, ast.DoStmt):
            lang = defelem(node.args, "language")
            if lang is None or str(getattr(lang.arg, "sval", "")).lower() == "plpgsql":
                body = defelem(node.args, "as")
                loc = getattr(body, "arg_location", None)
                self.plpgsql(st, "DO block", "do", path, loc, str(getattr(body.arg, "sval", "")) if body else "")
        elif isinstance(node, ast.CreateFunctionStmt):
            self.function(st, node, path)

    def function(self, st: Statement, node: Any, path: tuple[str, ...]) -> None:
        schema, name = split_name(strings(node.funcname))
        what = f"{'procedure' if node.is_procedure else 'function'} {schema + '.' if schema else ''}{name}"
        own = function_search_path(node)
        fpath = own if own is not None else tuple(dict.fromkeys((*path, *DEFAULT_SEARCH_PATH)))
        lang = defelem(node.options, "language")
        language = str(getattr(lang.arg, "sval", "")).lower() if lang else "sql"
        body = defelem(node.options, "as")
        if body is None:
            return  # SQL-standard body (BEGIN ATOMIC / RETURN): part of the statement's own AST
        parts = body.arg if isinstance(body.arg, tuple) else (body.arg,)
        text = str(getattr(parts[0], "sval", "")) if parts else ""
        loc = getattr(body, "arg_location", None)
        if language == "plpgsql":
            self.plpgsql(st, f"body of {what}", "function", fpath, loc, text)
        elif language == "sql" and len(parts) == 1:
            _lit, content = _body_start(self.src, loc)
            try:
                raws = _pg_parse(text)
            except ParseError as exc:
                off = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
                line, col = self.src.lines.at(content + off) if loc is not None else (st.line, st.col)
                self.problem(st, line, col, str(exc.args[0]), text, f"body of {what}")
                return
            for rs in raws:
                self.unit(
                    rs.stmt,
                    st,
                    f"body of {what}",
                    "function",
                    fpath,
                    base=content if loc is not None else None,
                    line=st.line,
                )


def _plpgsql_exprs(tree: Any) -> Iterator[tuple[str, str, int, int]]:
    """(kind, text, lineno, parseMode) for every SQL expression and COMMIT/ROLLBACK in a PL/pgSQL tree."""
    stack: list[tuple[Any, int, str | None]] = [(tree, 1, None)]
    while stack:
        obj, lineno, parent = stack.pop()
        if isinstance(obj, list):
            stack.extend((x, lineno, parent) for x in reversed(obj))
            continue
        if not isinstance(obj, dict):
            continue
        for key, val in obj.items():
            if key in ("PLpgSQL_stmt_commit", "PLpgSQL_stmt_rollback"):
                ln = val.get("lineno", lineno) if isinstance(val, dict) else lineno
                kind = "TRANS_STMT_COMMIT" if key.endswith("commit") else "TRANS_STMT_ROLLBACK"
                yield "txn", kind, ln, 0
                continue
            if key == "PLpgSQL_expr" and isinstance(val, dict) and isinstance(val.get("query"), str):
                yield ("dynamic" if parent == "dynamic" else "sql"), val["query"], lineno, int(val.get("parseMode", 0))
                continue
            if isinstance(val, dict | list):
                ln = val.get("lineno", lineno) if isinstance(val, dict) else lineno
                dyn = "dynamic" if (parent, key) in _DYNAMIC_KEYS else (key if key.startswith("PLpgSQL_") else None)
                stack.append((val, ln if isinstance(ln, int) else lineno, dyn))


def _expr_sql(text: str, mode: int) -> str:
    """Turn a PL/pgSQL expression into SQL the parser takes (see PostgreSQL's RawParseMode)."""
    if mode == 0:
        return text
    if mode >= 3:  # an assignment: "target := expr"
        try:
            for tok in _pg_scan(text):
                if tok.name in ("COLON_EQUALS", "ASCII_61"):
                    return "SELECT " + text[tok.end + 1 :]
        except ParseError:
            pass
    return "SELECT " + text


def extract(
    src: SqlSource, *, bundle: str | None, role: str, search_path: tuple[str, ...], names: frozenset[str] = frozenset()
) -> FileUnits:
    """Every unit of one file, tracking ``SET search_path`` from statement to statement."""
    ex = _Extractor(src, bundle, role, names)
    path = search_path
    for st in src.statements:
        ex.statement(st, path)
        node = st.node
        if isinstance(node, ast.VariableSetStmt):
            path = search_path_of_set(node) or path
        else:
            path = _set_config_path(node) or path
    return ex.out
