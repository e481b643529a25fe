"""One report model for every command: a :class:`Report` is a title, a verdict and typed blocks.

A command says what its run found as blocks, from its typed result and gate records: facts, tables, a
server's error, a fingerprint difference, findings, prose. Renderers know blocks and nothing of commands:
:mod:`pgwarden.evidence.render_md` writes SUMMARY.md, :mod:`pgwarden.evidence.render_html` report.html,
:mod:`pgwarden.evidence.render_text` the terminal's text. The kit keeps the blocks as ``report.json``
(:meth:`Report.to_json`), so a page rendered later reads the values the command made, never its markdown.

Values stay as they were made: a fingerprint difference is a tuple of
:class:`~pgwarden.changes.ObjectChange`, a finding a :class:`~pgwarden.findings.Finding`, an error card the
server's fields. Text in :class:`Text`, :class:`Bullets`, facts and table cells may use two inline marks, a
code span between backticks and ``**bold**``; every renderer escapes everything else.

``report.json`` in a kit someone hands you is untrusted: :meth:`Report.from_json` checks every type, and with
``lenient=True`` (how a kit is read) a block it cannot read becomes a :class:`Text` saying so, not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol, TypeVar, cast

from pgwarden.changes import ChangeSign, ObjectChange
from pgwarden.findings import Finding, Severity
from pgwarden.jsonable import to_jsonable
from pgwarden.rules import lookup

REPORT_VERSION = 1
MAX_DEPTH = 6  # sections inside sections: a command nests two or three


class BadReport(ValueError):
    """``report.json`` (or a block of it) that is not what :meth:`Report.to_json` writes."""


def _cell(v: object) -> str:
    return "" if v is None else str(v)


class ServerErrorLike(Protocol):
    """The fields of a server's error an :class:`ErrorCard` shows."""

    @property
    def sqlstate(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    @property
    def detail(self) -> str | None: ...
    @property
    def hint(self) -> str | None: ...
    @property
    def context(self) -> str | None: ...
    @property
    def location(self) -> str: ...
    @property
    def statement(self) -> str: ...


class _Block:
    """What every block is: in ``--json`` and run.json (:func:`pgwarden.jsonable.to_jsonable`), its JSON."""

    def to_json(self) -> dict[str, Any]:
        return block_to_json(cast(Block, self))


# -- the blocks --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text(_Block):
    """One paragraph (one line: a line break in it is shown, not followed)."""

    text: str


@dataclass(frozen=True)
class Bullets(_Block):
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Code(_Block):
    """Lines shown as they are, in a fixed-width box (a listing, a rollback's leftovers)."""

    lines: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class Facts(_Block):
    """Labelled values: a definition list on a page, a two-column table in markdown."""

    title: str
    rows: tuple[tuple[str, str], ...]
    headers: tuple[str, str] = ("Field", "Value")

    @classmethod
    def of(
        cls, title: str, rows: Iterable[tuple[object, object]], headers: tuple[str, str] = ("Field", "Value")
    ) -> Facts:
        return cls(title, tuple((_cell(k), _cell(v)) for k, v in rows), headers)


@dataclass(frozen=True)
class Table(_Block):
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    status: tuple[str, ...] = ()  # one per row (PASS, FAIL, SKIPPED, WAIVED, …) or none: the row's colour
    more: int = 0  # rows the command left out (it says where they are)

    @classmethod
    def of(
        cls,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[object]],
        status: Iterable[str] = (),
        more: int = 0,
    ) -> Table:
        """A table of any values, each cell ``str()`` of its value."""
        return cls(title, tuple(headers), tuple(tuple(_cell(c) for c in r) for r in rows), tuple(status), more)


@dataclass(frozen=True)
class ErrorCard(_Block):
    """A server's error (or pgwarden's judgement) about one statement, field by field."""

    title: str
    message: str
    sqlstate: str | None = None
    detail: str | None = None
    hint: str | None = None
    context: str | None = None
    location: str | None = None  # file:line:col in the package
    statement: str | None = None
    level: str = "ERROR"  # ERROR, or "ERROR (likely)" for a prediction that could not be certain

    @classmethod
    def of(cls, title: str, err: ServerErrorLike) -> ErrorCard:
        """The card of a server's error (:class:`pgwarden.runner.statements.ServerError`)."""
        return cls(title, err.message, err.sqlstate, err.detail, err.hint, err.context, err.location, err.statement)

    def lines(self) -> list[str]:
        """As psql prints an error: ``ERROR:  …``, ``DETAIL:  …``, …, then SQLSTATE and where."""
        out = [f"{self.level}:  {self.message}"]
        out += [
            f"{label}:  {v}"
            for label, v in (("DETAIL", self.detail), ("HINT", self.hint), ("CONTEXT", self.context))
            if v
        ]
        out += [f"SQLSTATE: {self.sqlstate}"] if self.sqlstate else []
        if self.location:
            out.append(f"at {self.location}" + (f": {self.statement}" if self.statement else ""))
        return out


@dataclass(frozen=True)
class Diff(_Block):
    """A fingerprint difference: ``changes`` as made (no change: identical), ``source`` where it is recorded."""

    title: str
    source: str
    changes: tuple[ObjectChange, ...]
    notes: tuple[str, ...] = ()
    total: int = 0  # changes in all, when ``changes`` lists only the first (0: all listed)

    @property
    def identical(self) -> bool:
        return not self.changes and not self.total


@dataclass(frozen=True)
class Findings(_Block):
    title: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class GateRow:
    name: str
    status: str
    seconds: float
    reason: str = ""
    started: str = ""
    finished: str = ""


@dataclass(frozen=True)
class Gates(_Block):
    """The run's gates in the order they ran (a page draws them on a time axis)."""

    title: str
    gates: tuple[GateRow, ...]


@dataclass(frozen=True)
class Section(_Block):
    """A heading and what is under it; ``anchor`` names it on a page (``#failure``)."""

    title: str
    blocks: tuple[Block, ...]
    anchor: str = ""


Block = Text | Bullets | Code | Facts | Table | ErrorCard | Diff | Findings | Gates | Section
Titled = Code | Facts | Table | ErrorCard | Diff | Findings | Gates  # a block under a heading of its own (when titled)


@dataclass(frozen=True)
class Report:
    """What one run says. ``lead`` (one sentence) and ``reasons`` head a page and a terminal; SUMMARY.md shows
    them where the command's blocks say them."""

    title: str
    subject: str
    verdict: str
    blocks: tuple[Block, ...]
    lead: str = ""
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "report_version": REPORT_VERSION,
            "title": self.title,
            "subject": self.subject,
            "verdict": self.verdict,
            "lead": self.lead,
            "reasons": list(self.reasons),
            "blocks": [block_to_json(b) for b in self.blocks],
        }

    @classmethod
    def from_json(cls, data: object, *, lenient: bool = False) -> Report:
        """The report :meth:`to_json` wrote. :class:`BadReport` for anything else; ``lenient``: a block that
        cannot be read becomes a :class:`Text` that says so (the rest of the report still reads)."""
        d = _obj(data, "report")
        version = d.get("report_version")
        if version != REPORT_VERSION:
            raise BadReport(f"report_version {version!r}: this pgwarden reads version {REPORT_VERSION}")
        return cls(
            _str(d, "title"),
            _str(d, "subject", ""),
            _str(d, "verdict"),
            _blocks(d.get("blocks"), lenient, 0),
            _str(d, "lead", ""),
            _strs(d, "reasons"),
        )


# -- to JSON -------------------------------------------------------------------------------------------
_KIND: dict[type, str] = {
    Text: "text",
    Bullets: "bullets",
    Code: "code",
    Facts: "facts",
    Table: "table",
    ErrorCard: "error",
    Diff: "diff",
    Findings: "findings",
    Gates: "gates",
    Section: "section",
}


def block_to_json(b: Block) -> dict[str, Any]:
    """``{"kind": …, field: value, …}``: a section's blocks, changes, findings and gates as their own JSON."""
    return {"kind": _KIND[type(b)], **{f.name: to_jsonable(getattr(b, f.name)) for f in fields(b)}}


# -- from JSON: every type checked ---------------------------------------------------------------------
_T = TypeVar("_T")


def _obj(x: object, what: str) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise BadReport(f"{what}: not an object")
    return cast(dict[str, Any], x)


def _str(d: Mapping[str, Any], key: str, default: str | None = None) -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise BadReport(f"{key}: not a string")
    return v


def _opt(d: Mapping[str, Any], key: str) -> str | None:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise BadReport(f"{key}: not a string")
    return v


def _int(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise BadReport(f"{key}: not an integer")
    return v


def _list(d: Mapping[str, Any], key: str) -> list[Any]:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise BadReport(f"{key}: not a list")
    return v


def _strs(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    items = _list(d, key)
    if not all(isinstance(x, str) for x in items):
        raise BadReport(f"{key}: not a list of strings")
    return tuple(items)


def _rows(d: Mapping[str, Any], key: str, width: int | None = None) -> tuple[tuple[str, ...], ...]:
    out = []
    for row in _list(d, key):
        if (
            not isinstance(row, list)
            or not all(isinstance(c, str) for c in row)
            or (width is not None and len(row) != width)
        ):
            raise BadReport(f"{key}: a row that is not {width or 'a list of'} strings")
        out.append(tuple(row))
    return tuple(out)


def _each(d: Mapping[str, Any], key: str, make: Callable[[dict[str, Any]], _T]) -> tuple[_T, ...]:
    return tuple(make(_obj(x, key)) for x in _list(d, key))


def _change(d: dict[str, Any]) -> ObjectChange:
    try:
        sign = ChangeSign(_str(d, "sign"))
    except ValueError:
        raise BadReport("sign: not +, - or ~") from None
    return ObjectChange(sign, _str(d, "kind"), _str(d, "name"), _str(d, "why", ""), _opt(d, "before"), _opt(d, "after"))


def _finding(d: dict[str, Any]) -> Finding:
    try:
        rule, severity = lookup(_str(d, "rule")), Severity(d.get("severity", "error"))
    except ValueError as exc:
        raise BadReport(str(exc)) from None
    facts = d.get("facts", {})
    bundle = _opt(d, "bundle")
    return Finding(
        rule,
        bundle,
        _str(d, "file"),
        _int(d, "line"),
        _int(d, "col"),
        _str(d, "statement", ""),
        _str(d, "message"),
        severity,
        _opt(d, "sqlstate"),
        _opt(d, "hint"),
        _opt(d, "fix"),
        _obj(facts, "facts"),
    )


def _gate(d: dict[str, Any]) -> GateRow:
    seconds = d.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise BadReport("seconds: not a number")
    return GateRow(
        _str(d, "name"),
        _str(d, "status"),
        float(seconds),
        _str(d, "reason", ""),
        _str(d, "started", ""),
        _str(d, "finished", ""),
    )


def block_from_json(data: object, *, lenient: bool = False, depth: int = 0) -> Block:
    d = _obj(data, "block")
    kind = d.get("kind")
    if kind == "text":
        return Text(_str(d, "text"))
    if kind == "bullets":
        numbered = d.get("numbered", False)
        return Bullets(_strs(d, "items"), numbered is True)
    if kind == "code":
        return Code(_strs(d, "lines"), _str(d, "title", ""))
    if kind == "facts":
        headers = _strs(d, "headers") or ("Field", "Value")
        if len(headers) != 2:
            raise BadReport("headers: not two strings")
        return Facts(
            _str(d, "title", ""), cast(tuple[tuple[str, str], ...], _rows(d, "rows", 2)), (headers[0], headers[1])
        )
    if kind == "table":
        headers = _strs(d, "headers")
        rows, status = _rows(d, "rows", len(headers)), _strs(d, "status")
        if status and len(status) != len(rows):
            raise BadReport("status: not one per row")
        return Table(_str(d, "title", ""), headers, rows, status, _int(d, "more"))
    if kind == "error":
        return ErrorCard(
            _str(d, "title", ""),
            _str(d, "message"),
            _opt(d, "sqlstate"),
            _opt(d, "detail"),
            _opt(d, "hint"),
            _opt(d, "context"),
            _opt(d, "location"),
            _opt(d, "statement"),
            _str(d, "level", "ERROR"),
        )
    if kind == "diff":
        return Diff(
            _str(d, "title", ""),
            _str(d, "source", ""),
            _each(d, "changes", _change),
            _strs(d, "notes"),
            _int(d, "total"),
        )
    if kind == "findings":
        return Findings(_str(d, "title", ""), _each(d, "findings", _finding))
    if kind == "gates":
        return Gates(_str(d, "title", ""), _each(d, "gates", _gate))
    if kind == "section":
        if depth >= MAX_DEPTH:
            raise BadReport(f"sections nested more than {MAX_DEPTH} deep")
        return Section(_str(d, "title"), _blocks(d.get("blocks"), lenient, depth + 1), _str(d, "anchor", ""))
    raise BadReport(f"kind {str(kind)[:40]!r}: not a block pgwarden knows")


def _blocks(data: object, lenient: bool, depth: int) -> tuple[Block, ...]:
    if not isinstance(data, list):
        raise BadReport("blocks: not a list")
    out: list[Block] = []
    for i, x in enumerate(data, 1):
        try:
            out.append(block_from_json(x, lenient=lenient, depth=depth))
        except BadReport as exc:
            if not lenient:
                raise
            out.append(Text(f"(block {i} of report.json could not be read: {exc})"))
    return tuple(out)


def walk(blocks: Sequence[Block]) -> list[Block]:
    """Every block, sections' contents included, in order."""
    out: list[Block] = []
    for b in blocks:
        out.append(b)
        if isinstance(b, Section):
            out += walk(b.blocks)
    return out


def without_text(blocks: tuple[Block, ...], text: str) -> tuple[Block, ...]:
    """``blocks`` without a paragraph that says ``text`` (sections included): a page or a terminal that shows the
    report's lead in its header does not say it twice."""
    return tuple(
        replace(b, blocks=without_text(b.blocks, text)) if isinstance(b, Section) else b
        for b in blocks
        if not (text and isinstance(b, Text) and b.text == text)
    )
