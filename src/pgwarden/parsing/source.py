"""SQL files as PostgreSQL's own parser sees them: statements with their file:line:col.

Parsing is pglast (libpg_query, the server's grammar). psql meta-commands (``\\i``, ``\\set`` …) are
not SQL, so the parser cannot take them: they are found with PostgreSQL's *scanner* (a backslash token
outside any string, quoted identifier, dollar-quote or comment), or at the location of a parse error
that points at a backslash, and blanked to the end of their line (psql's rule) before parsing.
:func:`parse_source` reports them separately so ``check`` can lint the rest of the file;
:func:`parse_sql` / :func:`parse_sql_file` (for executors) refuse them outright.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pglast import scan as _pg_scan
from pglast.parser import ParseError

from pgwarden.errors import BadInput, Place
from pgwarden.parsing.tree import parse as _pg_parse

_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_MAX_META_RETRIES = 1000
_SENDS_QUERY = {"g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch"}


class LineIndex:
    """Character offset -> 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def at(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, max(offset, 0)) - 1
        return i + 1, offset - self.starts[i] + 1


@dataclass(frozen=True)
class Statement:
    index: int  # 0-based position in its file
    text: str  # the statement as written (no trailing semicolon)
    line: int  # 1-based position of the statement's first token in the file
    col: int
    node: Any  # the pglast AST node (RawStmt.stmt)
    offset: int = 0  # character offset of the statement's first token in the file

    @property
    def first_line(self) -> str:
        first = self.text.strip().split("\n", 1)[0].rstrip("\r").strip()
        return first if len(first) <= 160 else first[:157] + "..."


@dataclass(frozen=True)
class MetaCommand:
    line: int
    col: int
    text: str  # the meta-command line, e.g. "\\i other.sql"


@dataclass(frozen=True)
class SqlSource:
    """One parsed file (or inline SQL such as a probe)."""

    rel: str
    text: str
    statements: tuple[Statement, ...]
    meta_commands: tuple[MetaCommand, ...]
    lines: LineIndex


class SqlSyntaxError(BadInput):
    """A syntax error with its exact location (exit 2)."""

    def __init__(self, rel: str, line: int, col: int, pg_message: str) -> None:
        text = f"{rel}:{line}:{col}: {pg_message}"
        super().__init__(text, places=(Place(rel, line, col, text),))
        self.rel, self.line, self.col, self.pg_message = rel, line, col, pg_message


def _blank(chars: list[str], start: int) -> tuple[int, str]:
    """Blank a meta-command from ``start`` to the end of its line; returns (end, original text)."""
    end = start
    while end < len(chars) and chars[end] != "\n":
        end += 1
    original = "".join(chars[start:end]).rstrip("\r")
    for i in range(start, end):
        if chars[i] != "\r":
            chars[i] = " "
    word = original[1:].split(maxsplit=1)[0] if original[1:].split() else ""
    if word in _SENDS_QUERY or word.startswith("g"):
        chars[start] = ";"  # psql sends the query buffer here, as if the statement ended
    return end, original


def parse_source(text: str, rel: str) -> SqlSource:
    """Parse ``text``; meta-commands are collected, not fatal. Raises :class:`SqlSyntaxError`."""
    lines = LineIndex(text)
    metas: dict[int, str] = {}
    chars: list[str] | None = None
    try:
        tokens = _pg_scan(text)
    except ParseError:
        tokens = []  # an unterminated literal: the parser below reports it with its location
    for tok in tokens:
        if tok.name == "ASCII_92" and tok.start not in metas:
            if chars is None:
                chars = list(text)
            _end, original = _blank(chars, tok.start)
            metas[tok.start] = original
    work = "".join(chars) if chars is not None else text
    scanned = bool(tokens)
    for _ in range(_MAX_META_RETRIES):
        try:
            raw = _pg_parse(work)
            break
        except ParseError as exc:
            message = str(exc.args[0]) if exc.args else str(exc)
            loc = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            if loc is not None and 0 <= loc < len(work) and work[loc] == "\\":
                chars = list(work)
                _end, original = _blank(chars, loc)
                metas[loc] = original
                work = "".join(chars)
                continue
            line, col = lines.at(loc if loc is not None else len(text))
            raise SqlSyntaxError(rel, line, col, message) from None
    else:  # pragma: no cover - needs >1000 meta-commands that the scanner could not see
        raise BadInput(f"{rel}: too many psql meta-commands")
    if not scanned and work:
        try:
            tokens = _pg_scan(work)
        except ParseError:
            tokens = []
    starts = sorted(t.start for t in tokens if t.name not in _COMMENTS)
    statements = []
    for i, rs in enumerate(raw):
        loc = rs.stmt_location or 0
        end = loc + rs.stmt_len if rs.stmt_len else len(work)
        j = bisect.bisect_left(starts, loc)
        if j < len(starts) and starts[j] < end:
            loc = starts[j]
        line, col = lines.at(loc)
        statements.append(Statement(i, work[loc:end].rstrip(), line, col, rs.stmt, loc))
    meta = tuple(MetaCommand(*lines.at(off), txt) for off, txt in sorted(metas.items()))
    return SqlSource(rel, text, tuple(statements), meta, lines)


def parse_sql(text: str, rel: str) -> tuple[Statement, ...]:
    """Parse for execution: syntax errors and psql meta-commands are :class:`BadInput` (exit 2)."""
    src = parse_source(text, rel)
    if src.meta_commands:
        m = src.meta_commands[0]
        raise BadInput(
            f"{rel}:{m.line}:{m.col}: psql meta-command {m.text.split()[0]!r} is not SQL; pgwarden runs SQL only",
            details=[f"{rel}:{x.line}:{x.col}: {x.text}" for x in src.meta_commands[1:]],
        )
    return src.statements


def read_sql_text(path: Path, rel: str | None = None) -> str:
    """The file as text; non-UTF-8 bytes are :class:`BadInput` naming the line and column."""
    name = rel or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{name}: file not found") from None
    except OSError as exc:
        raise BadInput(f"{name}: cannot read: {exc.strerror}") from None
    return decode_sql(data, name)


def decode_sql(data: bytes, name: str) -> str:
    """UTF-8 text of a SQL file (a leading BOM dropped); bad bytes are :class:`BadInput` with line:col."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        col = len(prefix[prefix.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise BadInput(f"{name}:{line}:{col}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_sql_file(path: Path, rel: str | None = None) -> tuple[Statement, ...]:
    """Parse a file for execution (see :func:`parse_sql`)."""
    return parse_sql(read_sql_text(path, rel), rel or str(path))


def parse_source_file(path: Path, rel: str | None = None) -> SqlSource:
    """Parse a file for linting (see :func:`parse_source`)."""
    return parse_source(read_sql_text(path, rel), rel or str(path))
