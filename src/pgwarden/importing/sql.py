"""Preparing one migration file for a bundle, with PostgreSQL's own scanner and parser (never a regex):

- a ``BEGIN;`` … ``COMMIT;`` (or, for a verify script, ``ROLLBACK;``) wrapper is cut out where the parser
  puts those two statements, so ``END;`` inside a function body is never touched;
- ``SELECT … \\gexec`` becomes a ``DO`` block that executes each value of each row, as psql does;
- psql variables (``:name``, ``:'name'``, ``:"name"``) are found, for ``[vars]``;
- statements that cannot run inside a transaction block (``CREATE INDEX CONCURRENTLY`` …) are found, so the
  file can be split into bundles of their own;
- any other transaction control cuts the file where psql commits (:mod:`pgwarden.importing.transactions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pglast import ast
from pglast.parser import ParseError, scan

from pgwarden.importing import transactions
from pgwarden.importing.transactions import BEGIN as _BEGIN
from pgwarden.importing.transactions import Part, needs_own_transaction
from pgwarden.package.vars import GEXEC_QUOTE, occurrences
from pgwarden.parsing.source import Statement, parse_source
from pgwarden.parsing.walk import enum_name

__all__ = ["Part", "Prepared", "needs_own_transaction", "prepare", "statements_of", "variables_in"]

_END = ("TRANS_STMT_COMMIT",)  # a deploy ending in ROLLBACK discards its work: that is not a wrapper to cut


@dataclass(frozen=True)
class Prepared:
    text: str  # the file as the bundle runs it (cut files: see parts)
    statements: int  # statements to import (of a cut file: those psql keeps)
    stripped: str | None = None  # "BEGIN … COMMIT" when a wrapper was cut out
    gexec: int = 0  # \gexec blocks turned into DO blocks
    variables: frozenset[str] = frozenset()
    no_transaction: tuple[str, ...] = ()  # first lines of statements that cannot run in a transaction block
    parts: tuple[Part, ...] = ()  # the bundles, when the file must be split (or was cut at its transactions)
    others: tuple[str, ...] = ()  # psql meta-commands left as they are (not supported)
    transactions: tuple[str, ...] = ()  # transaction control beyond a wrapper, and what became of it, by line

    @property
    def cut(self) -> bool:
        """The file held transaction control beyond a wrapper: ``parts`` (or, joined, ``text``) is what is kept."""
        return bool(self.transactions)


def _tokens(text: str) -> list[Any]:
    try:
        return list(scan(text))
    except ParseError:
        return []


def _occurrences(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, name, quote) of each psql variable outside [...] (inside, an array slice unless given)."""
    return [(o.start, o.end, o.name, o.quote) for o in occurrences(text) if not o.bracketed]


def variables_in(text: str) -> frozenset[str]:
    """psql variables the text uses."""
    return frozenset(n for _a, _b, n, _q in _occurrences(text))


def _masked(text: str) -> str:
    """``text`` with each variable replaced by a placeholder of the same length that parses in its place:
    ``:'v'`` a string, ``:"v"`` an identifier, ``:v`` an identifier, so offsets stay the same."""
    chars = list(text)
    for a, b, _name, quote in _occurrences(text):
        if quote:
            chars[a:b] = [quote] + ["x"] * (b - a - 2) + [quote]
        else:
            chars[a:b] = ["x"] * (b - a)
    return "".join(chars)


def _gexec(text: str) -> tuple[str, int, list[tuple[int, int]]]:
    """Each ``<query> \\gexec`` as a DO block that runs every non-NULL value of every row, column by column, in
    order, as psql does (``row_to_json`` keeps the columns in order; ``json_each_text`` reads them back). Also
    (end of each block, lines it added), so a statement's line in the file as written can be told."""
    count = 0
    shifts: list[tuple[int, int]] = []
    while True:
        toks = _tokens(text)
        hit = next((t for t in toks if text[t.start : t.start + 6] == "\\gexec"), None)
        if hit is None:
            return text, count, shifts
        ends = [t.end + 1 for t in toks if t.end < hit.start and text[t.start : t.end + 1] == ";"]
        start = ends[-1] if ends else 0
        query = text[start : hit.start].strip()
        block = (
            f"\nDO {GEXEC_QUOTE}\nDECLARE r record; q text;\nBEGIN\n"
            "  FOR r IN SELECT row_to_json(gexec) AS j FROM (\n"
            f"{query}\n  ) AS gexec LOOP\n    FOR q IN SELECT value FROM json_each_text(r.j) LOOP\n"
            f"      IF q IS NOT NULL THEN EXECUTE q; END IF;\n    END LOOP;\n  END LOOP;\nEND\n{GEXEC_QUOTE};"
        )
        shifts.append((start + len(block), block.count("\n") - text[start : hit.start + 6].count("\n")))
        text = text[:start] + block + text[hit.start + 6 :]
        count += 1


def _cut(text: str, loc: int, length: int) -> tuple[int, int]:
    """The range of one statement and the semicolon after it."""
    end = loc + length
    toks = [t for t in _tokens(text[end:]) if text[end + t.start : end + t.end + 1] == ";"]
    return loc, end + toks[0].end + 1 if toks else end


def prepare(
    text: str, rel: str, *, wrapper_end: tuple[str, ...] = _END, join: bool = False, each_statement: bool = False
) -> Prepared:
    """``text`` ready for a bundle; see the module docstring. A file with transaction control beyond a wrapper is
    cut where psql commits: into ``parts`` (a deploy), or, with ``join`` (a rollback or verify script, which is
    one transaction), into one ``text`` of the statements psql keeps. ``each_statement``: popx's
    ``.autocommit.``, every statement outside a block is a bundle of its own."""
    text, gexec, shifts = _gexec(text)
    src = parse_source(_masked(text), rel)  # offsets in the masked text are offsets in ``text``
    stmts = list(src.statements)
    stripped = None
    if (
        len(stmts) >= 2
        and isinstance(stmts[0].node, ast.TransactionStmt)
        and isinstance(stmts[-1].node, ast.TransactionStmt)
        and enum_name(stmts[0].node.kind) in _BEGIN
        and enum_name(stmts[-1].node.kind) in wrapper_end
        and not stmts[-1].node.chain
        and not any(isinstance(s.node, ast.TransactionStmt) for s in stmts[1:-1])
    ):
        first, last = stmts[0], stmts[-1]
        a0, a1 = _cut(text, first.offset, len(first.text))
        b0, b1 = _cut(text, last.offset, len(last.text))
        stripped = f"{first.text.strip().upper()} … {last.text.strip().upper()}"
        text = text[:a0] + text[a1:b0] + text[b1:]
        stmts = list(parse_source(_masked(text), rel).statements)
    others = tuple(m.text for m in src.meta_commands)
    if transactions.has_control(stmts):

        def line_of(s: Statement) -> int:  # the line in the file as written (before \gexec became DO blocks)
            return s.line - sum(n for end, n in shifts if end <= s.offset)

        c = transactions.cut(stmts, rel, line_of, keep_rolled_back="TRANS_STMT_ROLLBACK" in wrapper_end)
        kept = [s for p in c.pieces for s in p.statements]
        no_txn = tuple(s.first_line for s in kept if needs_own_transaction(s.node))
        if join:
            body = transactions.joined(text, c)
            return Prepared(body, len(kept), None, gexec, variables_in(body), no_txn, (), others, c.notes)
        bundles, carried = transactions.parts(text, c, line_of, each_statement=each_statement)
        return Prepared(
            text,
            len(kept),
            None,
            gexec,
            frozenset(v for p in bundles for v in variables_in(p.text)),
            no_txn,
            bundles,
            others,
            c.notes + carried,
        )
    no_txn = tuple(s.first_line for s in stmts if needs_own_transaction(s.node))
    parts: list[Part] = []
    if no_txn and len(stmts) > 1 and not join:
        group: list[str] = []
        for s in stmts:
            if needs_own_transaction(s.node):
                if group:
                    parts.append(Part(";\n".join(group) + ";\n", True))
                    group = []
                parts.append(Part(text[s.offset : s.offset + len(s.text)] + ";\n", False))
            else:
                group.append(text[s.offset : s.offset + len(s.text)])
        if group:
            parts.append(Part(";\n".join(group) + ";\n", True))
    return Prepared(text, len(stmts), stripped, gexec, variables_in(text), no_txn, tuple(parts), others)


def statements_of(text: str, rel: str) -> list[str]:
    """The statements of ``text``, each as written (variables included)."""
    return [text[s.offset : s.offset + len(s.text)] for s in parse_source(_masked(text), rel).statements]
