"""Markdown for SUMMARY.md: tables whose cells cannot break the table, and text that shows what it is.

A cell is someone else's text as often as not (a bundle title, a server's message): its pipes are escaped,
its line breaks flattened, and its control characters and bidi overrides made visible
(:func:`pgwarden.textsafe.block`), so it cannot break the table, repaint a terminal that shows the file,
or read differently from what it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pgwarden.textsafe import block


def md_table(headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table; cells have pipes escaped, line breaks flattened, the rest made visible."""

    def cell(v: Any) -> str:
        return block(str(v).replace("\n", " ")).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def yes_no(value: bool | None, yes: str = "YES", no: str = "NO", unknown: str = "not checked") -> str:
    return unknown if value is None else yes if value else no
