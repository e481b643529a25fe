"""Where a probe's SQL sits in ``pgwarden.toml``, so its findings name a real line and column.

tomllib gives values, not positions; the ``sql =`` line of the n-th ``[[probe]]`` table is found
by reading the manifest's lines (TOML structure, not SQL).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pgwarden.package.manifest import Package
from pgwarden.parsing.source import LineIndex

_HEADER = re.compile(r"^\s*\[\[\s*probe\s*\]\]")
_TABLE = re.compile(r"^\s*\[")
_SQL = re.compile(r"^(\s*sql\s*=\s*)(\"\"\"|'''|\"|')")


def probe_places(pkg: Package) -> dict[str, Callable[[int], tuple[int, int]]]:
    """probe name -> (offset in its SQL -> manifest line, col)."""
    try:
        lines = pkg.manifest_text.split("\n")
    except OSError:
        lines = []
    starts: list[tuple[int, int]] = []
    i, n = 0, len(lines)
    while i < n:
        if _HEADER.match(lines[i]):
            header = i
            start = (header + 1, 1)
            j = i + 1
            while j < n and not _TABLE.match(lines[j]):
                m = _SQL.match(lines[j])
                if m:
                    quote = m.group(2)
                    rest = lines[j][m.end() :]
                    start = (j + 2, 1) if len(quote) == 3 and not rest.strip() else (j + 1, m.end() + 1)
                    break
                j += 1
            starts.append(start)
            i = j
        else:
            i += 1
    out: dict[str, Callable[[int], tuple[int, int]]] = {}
    for k, p in enumerate(pkg.probes):
        base = starts[k] if k < len(starts) else (1, 1)
        out[p.name] = _mapper(p.sql, base)
    return out


def _mapper(sql: str, base: tuple[int, int]) -> Callable[[int], tuple[int, int]]:
    idx = LineIndex(sql)

    def place(offset: int) -> tuple[int, int]:
        line, col = idx.at(offset)
        return (base[0] + line - 1, base[1] + col - 1 if line == 1 else col)

    return place
