"""Blocks as HTML: each kind of :mod:`pgwarden.evidence.blocks` block, and nothing of any command.

Every value is escaped (:func:`pgwarden.evidence.html_util.e`), every list capped, and an ``id`` is only ever
one the page hands out (:class:`Ids`): an anchor a kit names is used when it is a plain word no other element
has, and never otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pgwarden.changes import ChangeSign, ObjectChange
from pgwarden.evidence.blocks import Block, Bullets, Code, Diff, ErrorCard, Facts, Findings, Gates, Section, Table, Text
from pgwarden.evidence.html_gates import gates_html
from pgwarden.evidence.html_util import Html, capped, code, dl, e, inline, more, pill, table

MAX_BLOCKS = 2000  # blocks in any one section
MAX_PAGE_BLOCKS = 20000  # blocks on the whole page (a report.json can nest sections six deep)
_ANCHOR = re.compile(r"[a-z][a-z0-9-]{0,40}")


@dataclass
class Ids:
    """The ids of one page: each handed out once; the page's own are reserved."""

    used: set[str] = field(
        default_factory=lambda: {"toc", "verdict", "verdict-status", "evidence", "rerun", "timeline-title"}
    )
    n: int = 0
    toc: list[tuple[str, str]] = field(default_factory=list)  # (id, title) of each top-level section
    budget: int = MAX_PAGE_BLOCKS  # blocks the page may still show

    def take(self, anchor: str) -> str | None:
        if not _ANCHOR.fullmatch(anchor) or anchor in self.used:
            return None
        self.used.add(anchor)
        return anchor

    def fresh(self) -> str:
        self.n += 1
        while f"s{self.n}" in self.used:
            self.n += 1
        self.used.add(f"s{self.n}")
        return f"s{self.n}"


@dataclass(frozen=True)
class Run:
    """What a gate timeline needs of the run: when it started and finished (run.json)."""

    started: object = None
    finished: object = None


def _h(depth: int, title: str) -> str:
    level = min(depth + 2, 4)
    return f"<h{level}>{inline(title)}</h{level}>" if title else ""


def blocks_html(blocks: Sequence[Block], depth: int, ids: Ids, run: Run) -> str:
    shown, left = capped(blocks, min(MAX_BLOCKS, max(ids.budget, 0)))
    ids.budget -= len(shown)
    return "\n".join(block_html(b, depth, ids, run) for b in shown) + more(left)


def block_html(b: Block, depth: int, ids: Ids, run: Run) -> str:
    if isinstance(b, Section):
        anchor = ids.take(b.anchor) or (ids.fresh() if depth == 0 else None)
        if depth == 0 and anchor:
            ids.toc.append((anchor, b.title))
        attr = f' id="{anchor}"' if anchor else ""
        inner = _h(depth, b.title) + blocks_html(b.blocks, depth + 1, ids, run)
        return f"<section{attr}>{inner}</section>" if depth == 0 else f'<div class="sub"{attr}>{inner}</div>'
    if isinstance(b, Text):
        return f"<p>{inline(b.text)}</p>"
    if isinstance(b, Bullets):
        tag = "ol" if b.numbered else "ul"
        items, left = capped(b.items)
        return f"<{tag}>" + "".join(f"<li>{inline(x)}</li>" for x in items) + f"</{tag}>" + more(left)
    if isinstance(b, Code):
        lines, left = capped(b.lines, 4 * 400)
        return _h(depth, b.title) + f"<pre>{e(chr(10).join(lines))}</pre>" + more(left)
    if isinstance(b, Facts):
        rows, left = capped(b.rows)
        return _h(depth, b.title) + dl([(k, inline(v)) for k, v in rows]) + more(left)
    if isinstance(b, Table):
        return _h(depth, b.title) + _table(b)
    if isinstance(b, ErrorCard):
        return error_html(b, depth)
    if isinstance(b, Diff):
        return diff_html(b, depth)
    if isinstance(b, Findings):
        return _h(depth, b.title) + findings_html(b)
    if isinstance(b, Gates):
        return _h(depth, b.title) + gates_html(
            b.gates, run.started, run.finished, timeline=ids.take("timeline") is not None
        )
    return ""


def _table(b: Table) -> str:
    rows, left = capped(b.rows)
    status = b.status[: len(rows)] if len(b.status) == len(b.rows) else ()
    cells = [tuple(inline(c) for c in r) for r in rows]
    if status:
        return table(("", *b.headers), [(pill(s), *r) for s, r in zip(status, cells, strict=True)], "status") + more(
            left + b.more
        )
    return table(b.headers, cells) + more(left + b.more)


def error_html(b: ErrorCard, depth: int = 1) -> str:
    rows: list[tuple[str, object]] = [
        ("SQLSTATE", code(b.sqlstate) if b.sqlstate else None),
        ("message", b.message),
        ("detail", b.detail),
        ("hint", b.hint),
        ("context", b.context),
        ("at", code(b.location) if b.location else None),
    ]
    if b.level != "ERROR":
        rows.insert(0, ("level", b.level))
    stmt = f'<pre class="stmt">{e(b.statement)}</pre>' if b.statement else ""
    return f'<div class="err">{_h(max(depth, 1), b.title)}{stmt}{dl(rows, "errfacts")}</div>'


def _why(why: str) -> str:
    return f'<div class="small">{e(why)}</div>' if why else ""


def _group(label: str, klass: str, sign: str, items: Sequence[ObjectChange]) -> str:
    """One of added / removed / changed: a heading with its count, then one row per object."""
    if not items:
        return ""
    shown, left = capped(items)
    rows = "".join(
        f'<tr><td class="sign {klass}">{sign}</td><td class="kind">{e(c.kind)}</td>'
        f"<td><code>{e(c.name)}</code>{_why(c.why)}</td></tr>"
        for c in shown
    )
    return f'<h4 class="{klass}">{label} ({len(items)})</h4><table class="dtable"><tbody>{rows}</tbody></table>' + more(
        left
    )


def diff_html(b: Diff, depth: int = 1) -> str:
    notes = "".join(f'<p class="muted small">note: {e(n)}</p>' for n in b.notes[:20])
    title = _h(max(depth, 1), b.title)
    if b.identical:
        return (
            f'<div class="diff">{title}<p class="same"><span class="pill s-pass">IDENTICAL</span> no object '
            f'added, removed or changed <span class="muted">({e(b.source)})</span></p>{notes}</div>'
        )
    by = {s: [c for c in b.changes if c.sign is s] for s in ChangeSign}
    added, removed, changed = by[ChangeSign.ADDED], by[ChangeSign.REMOVED], by[ChangeSign.CHANGED]
    left = b.total - len(b.changes) if b.total > len(b.changes) else 0
    return (
        f'<div class="diff">{title}<p class="counts"><b class="c-add">{len(added)} added</b> · '
        f'<b class="c-rem">{len(removed)} removed</b> · <b class="c-chg">{len(changed)} changed</b> '
        f'<span class="muted small">({e(b.source)})</span></p>'
        + _group("Added", "c-add", "+", added)
        + _group("Removed", "c-rem", "−", removed)
        + _group("Changed", "c-chg", "~", changed)
        + more(left, b.source)
        + notes
        + "</div>"
    )


def findings_html(b: Findings) -> str:
    if not b.findings:
        return "<p>None.</p>"
    shown, left = capped(b.findings)
    rows = []
    for f in shown:
        why = e(f.message)
        for label, value in (("sqlstate", f.sqlstate), ("hint", f.hint), ("fix", f.fix)):
            if value:
                why += f'<div class="small"><b>{label}</b> {inline(value)}</div>'
        rule = Html(f"<code>{e(f.rule).replace('.', '.<wbr>')}</code>")  # breaks after a dot
        rows.append(
            (pill(f.severity), code(f.location), rule, Html(why), Html(f'<pre class="cell">{e(f.statement)}</pre>'))
        )
    errors = sum(1 for f in b.findings if f.is_error)
    return (
        f"<p>{errors} error(s), {len(b.findings) - errors} other finding(s).</p>"
        + table(("", "where", "rule", "what", "statement"), rows, "findings")
        + more(left)
    )
