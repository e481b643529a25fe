"""The live size of every relation a package locks, read in one query (``sql/relation_sizes.sql``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from pgwarden import shipped_sql

MB = 1024 * 1024


@dataclass(frozen=True)
class Size:
    bytes: int  # table + indexes + TOAST, partitions and children included
    heap_bytes: int  # > 0: the table has pages, so it may hold rows
    rows: int | None  # the planner's estimate; None: never vacuumed or analyzed
    descendants: int = 0  # partitions and inheritance children included in the numbers

    @property
    def nonempty(self) -> bool:
        return self.heap_bytes > 0 or bool(self.rows)


NEW = Size(0, 0, 0)  # a relation the package creates: empty when the statement meets it


def fetch(cur: psycopg.Cursor[Any], oids: Iterable[int]) -> dict[int, Size]:
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    cur.execute(shipped_sql.load("pgwarden.preflight.locks", "relation_sizes.sql"), {"oids": wanted})
    return {
        r["oid"]: Size(r["bytes"], r["heap_bytes"], None if r["never_analyzed"] else int(r["rows"]), r["descendants"])
        for r in cur.fetchall()
    }


def human(n: int) -> str:
    """Bytes as pg_size_pretty prints them (1024-based): "8192 bytes", "12 MB", "1.1 GB"."""
    if n < 10 * 1024:
        return f"{n} bytes"
    v = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        v /= 1024
        if v < 1024 or unit == "TB":
            return f"{v:.0f} {unit}" if v >= 10 else f"{v:.1f} {unit}"
    return f"{n} bytes"
