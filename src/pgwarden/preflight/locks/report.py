"""The "Lock impact" section of the report: per bundle, longest hold first, one row per relation locked."""

from __future__ import annotations

from pgwarden.evidence.blocks import Block, Section, Table, Text
from pgwarden.preflight.locks.grade import Grade, LockReport
from pgwarden.preflight.locks.modes import Work
from pgwarden.preflight.locks.sizes import human


def _work(w: Work, certain: bool) -> str:
    text = {Work.NONE: "", Work.SCAN: "scan", Work.REWRITE: "rewrite"}[w]
    return f"{text} (likely)" if text and not certain else text


def locks_section(report: LockReport) -> Section:
    blocks: list[Block] = [
        Text(
            "Per bundle, the lock each statement takes, on which relation, that relation's live size, and whether "
            "the statement rewrites or scans it under the lock. A bundle holds every lock it takes until it commits. "
            "Bundles are ordered by how long they hold their strongest lock (the bytes they process under it). "
            "Rewrites and scans under ACCESS EXCLUSIVE above [policy] max_locked_bytes "
            f"({human(report.max_locked_bytes)}) are errors; below it, notes."
        )
    ]
    shown = [b for b in report.bundles if b.rows]
    if not shown:
        return Section("Lock impact", (*blocks, Text("No statement locks an existing table.")), "locks")
    for b in shown:
        head = f"Bundle {b.bundle}: {b.strongest.label if b.strongest else 'no'} lock"
        if b.work_bytes:
            head += f", {human(b.work_bytes)} processed under it"
        rows = []
        for r in b.rows:
            size = "new" if r.new else human(r.size.bytes) if r.size else "?"
            if r.size is not None and not r.new:
                size += f", ~{r.size.rows:,} rows" if r.size.rows is not None else ", never analyzed"
            rows.append(
                (
                    f"{r.where} `{r.statement[:60]}`",
                    r.impact.mode.label,
                    r.impact.relation,
                    size,
                    _work(r.impact.work, r.impact.certain),
                    r.grade.value if r.grade is not Grade.NONE else "",
                    r.impact.safer or "",
                )
            )
        blocks.append(
            Table.of(head, ["statement", "lock", "relation", "size", "rewrite/scan", "grade", "safer form"], rows)
        )
    return Section("Lock impact", tuple(blocks), "locks")
