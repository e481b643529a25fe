"""A :class:`~pgwarden.evidence.blocks.Report` as plain text for a terminal (``pgwarden report KIT --format text``).

Blocks in, lines out, no command known: headings underlined, tables in padded columns (a cell cut at
:data:`MAX_CELL` characters), facts as ``label: value``, errors as psql prints them, differences one per line.
Each line is one line of someone else's text made visible (:func:`pgwarden.textsafe.one_line`); the CLI prints
them through :func:`pgwarden.textsafe.lines`, which also keeps a line from starting a workflow command.
"""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.evidence import blocks as bk
from pgwarden.textsafe import one_line

MAX_CELL = 60
MAX_ROWS = 200


def _t(x: object) -> str:
    return one_line(x).replace("**", "")


def _cell(x: object) -> str:
    s = _t(x)
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"


def columns(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """``rows`` under ``headers``, each column as wide as its widest cell."""
    cells = [[_cell(h) for h in headers], *([_cell(c) for c in r] for r in rows[:MAX_ROWS])]
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(len(headers))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in cells]
    out.insert(1, "  ".join("-" * w for w in widths))
    if len(rows) > MAX_ROWS:
        out.append(f"… and {len(rows) - MAX_ROWS} more")
    return out


def render_text(report: bk.Report, gates_first: bk.Gates | None = None) -> list[str]:
    """The report's lines. ``gates_first``: the run's gates, shown first when the report lists none."""
    title = _t(report.title)
    out = [title, "=" * len(title)]
    if report.lead:
        out += [_t(report.lead)]
    out.append("")
    blocks: Sequence[bk.Block] = bk.without_text(report.blocks, report.lead)  # said above
    if gates_first is not None and not any(isinstance(b, bk.Gates) for b in blocks):
        blocks = (gates_first, *blocks)
    for b in blocks:
        _block(b, 0, out)
    while out and not out[-1]:
        out.pop()
    return out


def _heading(title: str, depth: int, out: list[str]) -> None:
    if title:
        t = _t(title)
        out += [t, ("-" if depth == 0 else "·") * len(t)]


def _block(b: bk.Block, depth: int, out: list[str]) -> None:
    if isinstance(b, bk.Section | bk.Titled):
        _heading(b.title, depth, out)
    if isinstance(b, bk.Section):
        for x in b.blocks:
            _block(x, depth + 1, out)
        return
    if isinstance(b, bk.Text):
        out.append(_t(b.text))
    elif isinstance(b, bk.Bullets):
        out += [(f"{i}. " if b.numbered else "- ") + _t(x) for i, x in enumerate(b.items, 1)]
    elif isinstance(b, bk.Code):
        out += ["    " + _t(x) for x in b.lines]
    elif isinstance(b, bk.Facts):
        width = min(max((len(_t(k)) for k, _v in b.rows), default=0), 32)
        out += [f"{_t(k).ljust(width)}  {_t(v)}" for k, v in b.rows]
    elif isinstance(b, bk.Table):
        status = b.status if len(b.status) == len(b.rows) else ()
        out += columns(
            ("", *b.headers) if status else b.headers,
            [(s, *r) for s, r in zip(status, b.rows, strict=True)] if status else b.rows,
        )
        if b.more:
            out.append(f"… and {b.more} more")
    elif isinstance(b, bk.ErrorCard):
        out += ["    " + _t(x) for x in b.lines()]
    elif isinstance(b, bk.Diff):
        out += [f"IDENTICAL ({_t(b.source)})"] if b.identical else [_t(c.line) for c in b.changes]
        out += [f"note: {_t(n)}" for n in b.notes]
    elif isinstance(b, bk.Findings):
        out += [
            _t(
                f"{f.location}: {f.severity}: {f.rule}"
                + (f" [bundle {f.bundle}]" if f.bundle else "")
                + f": {f.message}"
            )
            for f in b.findings
        ] or ["None."]
    elif isinstance(b, bk.Gates):
        out += columns(
            ("#", "gate", "status", "seconds", "why"),
            [(i, g.name, g.status, f"{g.seconds:.3f}", g.reason) for i, g in enumerate(b.gates, 1)],
        )
    out.append("")
