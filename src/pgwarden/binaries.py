"""``pgwarden binaries``: which PostgreSQL programs pgwarden would use, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from pgwarden import pgbin


@dataclass(frozen=True)
class BinariesReport:
    searched: tuple[str, ...]
    found: tuple[pgbin.PgBinaries, ...]
    selected: pgbin.PgBinaries | None


def binaries(major: int | None = None, tools: tuple[str, ...] = pgbin.ALL_TOOLS) -> BinariesReport:
    """List every usable directory; with ``major``, select one (exit 3 when none fits)."""
    searched = tuple(f"{d} ({src})" for d, src in pgbin.candidate_dirs())
    found = tuple(pgbin.discover())
    selected = pgbin.find(tools, major=major) if major is not None else None
    if selected is not None and selected.major != major:
        selected = pgbin.find(tools, major=major, at_least=major)
    return BinariesReport(searched, found, selected)
