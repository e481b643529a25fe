"""Lock impact graded by size: the gain over a static linter is that a small table makes no noise.

Above ``[policy] max_locked_bytes`` (default 100 MB) a rewrite or a full scan under ACCESS EXCLUSIVE is an
error (reads and writes of the table queue until the bundle commits); a scan under a lock that blocks
writes only (CREATE INDEX, ADD FOREIGN KEY) is a warning. Below it, the table of the report carries a
note and no finding is raised. A bundle that takes ACCESS EXCLUSIVE on a non-empty table without a
``lock_timeout`` is a warning: waiting for that lock queues every later query behind the bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pgwarden.findings import Finding, Severity
from pgwarden.preflight.locks.impact import LockImpact
from pgwarden.preflight.locks.modes import LockMode, Work
from pgwarden.preflight.locks.sizes import NEW, Size, human
from pgwarden.rules import Rule


class Grade(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # the table is small: shown in the report, no finding
    NONE = ""


@dataclass(frozen=True)
class StatementLocks:
    """What one statement of one bundle locks (worked out during the simulation)."""

    bundle: str
    file: str
    line: int
    col: int
    statement: str
    impacts: tuple[LockImpact, ...]
    lock_timeout_set: bool = False  # the package's [settings] or an earlier SET in the bundle


@dataclass(frozen=True)
class LockRow:
    where: str  # "A.sql:3"
    statement: str
    impact: LockImpact
    size: Size | None  # None: not known (a relation the server could not size)
    new: bool  # the package creates the relation
    grade: Grade


@dataclass(frozen=True)
class BundleLocks:
    bundle: str
    strongest: LockMode | None
    work_bytes: int  # bytes rewritten or scanned under the bundle's locks (a rewrite counts twice)
    rows: tuple[LockRow, ...]


@dataclass(frozen=True)
class LockReport:
    max_locked_bytes: int
    bundles: tuple[BundleLocks, ...]  # ordered by how long they hold their strongest lock, longest first


def _size(i: LockImpact, sizes: dict[int, Size]) -> Size | None:
    return NEW if i.oid is None else sizes.get(i.oid)


def _grade(i: LockImpact, size: Size | None, limit: int) -> Grade:
    if i.work is Work.NONE or size is None or not size.nonempty:
        return Grade.NONE
    if size.bytes > limit:
        if i.mode is LockMode.ACCESS_EXCLUSIVE:
            return Grade.ERROR
        if i.mode.blocks_writes:
            return Grade.WARNING
    return Grade.NOTE


def _rows_text(size: Size) -> str:
    return "never analyzed" if size.rows is None else f"~{size.rows:,} rows"


def _finding(s: StatementLocks, row: LockRow, limit: int) -> Finding:
    i, size = row.impact, row.size
    assert size is not None
    verb = "rewrites" if i.work is Work.REWRITE else "scans every row of"
    blocked = "reads and writes of it wait" if i.mode.blocks_reads else "writes to it wait"
    msg = (
        f"{i.what}: {verb} {i.relation} ({human(size.bytes)}, {_rows_text(size)}) under {i.mode.label}; "
        f"{blocked} until the bundle commits. Above [policy] max_locked_bytes ({human(limit)})"
    )
    rule = Rule.PREFLIGHT_LOCK_REWRITE if i.work is Work.REWRITE else Rule.PREFLIGHT_LOCK_SCAN
    facts = {
        "relation": i.relation,
        "lock": i.mode.label,
        "bytes": size.bytes,
        "rows": size.rows,
        "work": str(i.work),
        "source": i.source,
    }
    return Finding(
        rule,
        s.bundle,
        s.file,
        s.line,
        s.col,
        s.statement,
        msg,
        Severity.ERROR if row.grade is Grade.ERROR else Severity.WARNING,
        None,
        None,
        i.safer
        or "split the change so the table is not rewritten or scanned under this lock, or raise "
        "[policy] max_locked_bytes for it",
        facts,
    )


def grade(
    statements: Sequence[StatementLocks], sizes: dict[int, Size], max_locked_bytes: int
) -> tuple[list[Finding], LockReport]:
    findings: list[Finding] = []
    per_bundle: dict[str, list[LockRow]] = {}
    warned_timeout: set[str] = set()
    for s in statements:
        rows = per_bundle.setdefault(s.bundle, [])
        for i in s.impacts:
            size = _size(i, sizes)
            row = LockRow(f"{s.file}:{s.line}", s.statement, i, size, i.oid is None, _grade(i, size, max_locked_bytes))
            rows.append(row)
            if row.grade in (Grade.ERROR, Grade.WARNING):
                findings.append(_finding(s, row, max_locked_bytes))
            if (
                i.mode is LockMode.ACCESS_EXCLUSIVE
                and size is not None
                and size.nonempty
                and i.oid is not None
                and not s.lock_timeout_set
                and s.bundle not in warned_timeout
            ):
                warned_timeout.add(s.bundle)
                findings.append(
                    Finding(
                        Rule.PREFLIGHT_LOCK_TIMEOUT,
                        s.bundle,
                        s.file,
                        s.line,
                        s.col,
                        s.statement,
                        f"takes ACCESS EXCLUSIVE on {i.relation} ({human(size.bytes)}, {_rows_text(size)}) with no "
                        "lock_timeout: while it waits for the lock, every query on the table queues behind it",
                        Severity.WARNING,
                        None,
                        None,
                        'set [settings] lock_timeout = "5s" in pgwarden.toml (apply retries a bundle that times out '
                        "waiting, see [apply] lock_retries)",
                        {"relation": i.relation, "lock": i.mode.label},
                    )
                )
    bundles = []
    for bundle, rows in per_bundle.items():
        work = sum(
            (r.size.bytes * (2 if r.impact.work is Work.REWRITE else 1))
            for r in rows
            if r.size is not None and r.impact.work is not Work.NONE
        )
        strongest = max((r.impact.mode for r in rows), key=lambda m: m.rank, default=None)
        bundles.append(BundleLocks(bundle, strongest, work, tuple(rows)))
    bundles.sort(key=lambda b: (-b.work_bytes, -(b.strongest.rank if b.strongest else 0)))
    return findings, LockReport(max_locked_bytes, tuple(bundles))
