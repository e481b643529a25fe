"""SUMMARY.md from a :class:`~pgwarden.evidence.blocks.Report`: blocks in, markdown out, no command known.

A section is a heading one level below the one it is in (``##`` at the top); a titled block is a heading of
its own at that level. Each paragraph, list item, code line and heading is one line
(:func:`pgwarden.textsafe.one_line`: a line break in someone else's text is shown as ``\\n``), and table cells
cannot break their table (:func:`pgwarden.evidence.markdown.md_table`). The kit writer passes the whole file
through :func:`pgwarden.textsafe.block` and the redaction as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.evidence import blocks as bk
from pgwarden.evidence.markdown import md_table
from pgwarden.textsafe import one_line

FINDINGS_HEADERS = ("#", "rule", "severity", "bundle", "location", "statement", "why")
GATES_HEADERS = ("#", "gate", "status", "seconds", "why")


def render_md(report: bk.Report) -> str:
    out = [f"# {one_line(report.title)}", ""]
    _blocks(report.blocks, 0, out)
    return "\n".join(out).rstrip() + "\n"


def _blocks(blocks: Sequence[bk.Block], depth: int, out: list[str]) -> None:
    for b in blocks:
        _block(b, depth, out)


def _heading(title: str, depth: int, out: list[str]) -> None:
    if title:
        out += ["#" * min(depth + 2, 6) + " " + one_line(title), ""]


def _code(lines: Sequence[str], out: list[str]) -> None:
    out += ["```", *(one_line(x) for x in lines), "```", ""]


def _block(b: bk.Block, depth: int, out: list[str]) -> None:
    if isinstance(b, bk.Section | bk.Titled):
        _heading(b.title, depth, out)
    if isinstance(b, bk.Section):
        _blocks(b.blocks, depth + 1, out)
    elif isinstance(b, bk.Text):
        out += [one_line(b.text), ""]
    elif isinstance(b, bk.Bullets):
        out += [(f"{i}. " if b.numbered else "- ") + one_line(x) for i, x in enumerate(b.items, 1)] + [""]
    elif isinstance(b, bk.Code):
        _code(b.lines, out)
    elif isinstance(b, bk.Facts):
        out.append(md_table(b.headers, b.rows))
    elif isinstance(b, bk.Table):
        out.append(md_table(b.headers, b.rows))
        if b.more:
            out += [f"… and {b.more} more.", ""]
    elif isinstance(b, bk.ErrorCard):
        _code(b.lines(), out)
    elif isinstance(b, bk.Diff):
        if b.identical:
            out += [f"IDENTICAL: no object added, removed or changed ({one_line(b.source)}).", ""]
            if b.notes:
                _code([f"note: {n}" for n in b.notes], out)
            return
        more = b.total - len(b.changes) if b.total > len(b.changes) else 0
        _code(
            [c.line for c in b.changes]
            + [f"note: {n}" for n in b.notes]
            + ([f"… and {more} more in {b.source}"] if more else []),
            out,
        )
    elif isinstance(b, bk.Findings):
        if not b.findings:
            out += ["None.", ""]
        else:
            out.append(
                md_table(
                    FINDINGS_HEADERS,
                    [
                        (i, f.rule, f.severity, f.bundle or "", f.location, f"`{f.statement}`", f.message)
                        for i, f in enumerate(b.findings, 1)
                    ],
                )
            )
    elif isinstance(b, bk.Gates):
        out.append(
            md_table(
                GATES_HEADERS, [(i, g.name, g.status, f"{g.seconds:.3f}", g.reason) for i, g in enumerate(b.gates, 1)]
            )
        )
