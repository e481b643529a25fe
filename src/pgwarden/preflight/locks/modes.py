"""PostgreSQL's table-level lock modes, in the order of their strength (``storage/lockdefs.h``).

The numbers are the server's own LOCKMODE values; ``pg_locks.mode`` prints the names in ``value``.
Which mode conflicts with which: https://www.postgresql.org/docs/current/explicit-locking.html
(Table 13.2, "Conflicting Lock Modes").
"""

from __future__ import annotations

from enum import StrEnum


class LockMode(StrEnum):
    ACCESS_SHARE = "AccessShareLock"
    ROW_SHARE = "RowShareLock"
    ROW_EXCLUSIVE = "RowExclusiveLock"
    SHARE_UPDATE_EXCLUSIVE = "ShareUpdateExclusiveLock"
    SHARE = "ShareLock"
    SHARE_ROW_EXCLUSIVE = "ShareRowExclusiveLock"
    EXCLUSIVE = "ExclusiveLock"
    ACCESS_EXCLUSIVE = "AccessExclusiveLock"

    @property
    def rank(self) -> int:
        return _ORDER.index(self) + 1

    @property
    def label(self) -> str:
        """How the documentation and LOCK TABLE spell it: "ACCESS EXCLUSIVE"."""
        return _TITLES[self]

    @property
    def blocks_reads(self) -> bool:
        """Conflicts with ACCESS SHARE: plain SELECTs queue behind it."""
        return self is LockMode.ACCESS_EXCLUSIVE

    @property
    def blocks_writes(self) -> bool:
        """Conflicts with ROW EXCLUSIVE: INSERT, UPDATE and DELETE queue behind it."""
        return self.rank >= LockMode.SHARE.rank

    @classmethod
    def from_title(cls, text: str) -> LockMode:
        for mode, title in _TITLES.items():
            if title == text.upper():
                return mode
        raise ValueError(text)


_ORDER = list(LockMode)
_TITLES = {m: m.name.replace("_", " ") for m in LockMode}


def strongest(modes: list[LockMode]) -> LockMode | None:
    return max(modes, key=lambda m: m.rank) if modes else None


class Work(StrEnum):
    """What the statement does to the relation's rows while it holds the lock."""

    NONE = "none"  # catalog only
    SCAN = "scan"  # reads every row (a constraint check, an index build)
    REWRITE = "rewrite"  # writes a new copy of the table and its indexes

    @property
    def rank(self) -> int:
        return (Work.NONE, Work.SCAN, Work.REWRITE).index(self)
