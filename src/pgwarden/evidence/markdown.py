"""Markdown for SUMMARY.md: tables whose cells cannot break the table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def md_table(headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table; cells have pipes escaped and line breaks flattened."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def yes_no(value: bool | None, yes: str = "YES", no: str = "NO", unknown: str = "not checked") -> str:
    return unknown if value is None else yes if value else no
