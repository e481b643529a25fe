"""The "Data checks" section of the report."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.evidence.blocks import Block, Section, Table, Text
from pgwarden.preflight.data.execute import DataCheckResult, DataStatus


def data_section(results: Sequence[DataCheckResult], *, enabled: bool, dependent: int, timeout_s: float) -> Section:
    if not enabled:
        if dependent:
            return Section(
                "Data checks",
                (
                    Text(
                        f"{dependent} statement(s) depend on existing rows (SET NOT NULL, ADD CHECK, unique "
                        "keys, foreign "
                        "keys, type changes). Not counted: run `pgwarden check --dsn … --data-checks` or set `[policy] "
                        "data_checks = true` to count the rows that would break them."
                    ),
                ),
                "data-checks",
            )
        return Section("Data checks", (Text("No statement depends on existing rows."),), "data-checks")
    refused = sum(r.status is DataStatus.REFUSED for r in results)
    unjudged = sum(r.status is DataStatus.NOT_JUDGED for r in results)
    blocks: list[Block] = [
        Text(
            f"{len(results)} statement part(s) depend on existing rows; each was judged by one read-only query "
            f"(statement_timeout {timeout_s:g} s, row security off): {refused} refused, {unjudged} not judged, "
            f"{len(results) - refused - unjudged} OK."
        )
    ]
    if results:
        blocks.append(
            Table.of(
                "",
                ["bundle", "where", "check", "relation", "verdict", "rows", "keys (up to 5)", "seconds"],
                [
                    (
                        r.bundle,
                        f"{r.file}:{r.line}",
                        r.what,
                        r.relation,
                        r.status.value,
                        r.summary,
                        "; ".join(r.keys),
                        f"{r.seconds:.3f}",
                    )
                    for r in results
                ],
            )
        )
    return Section("Data checks", tuple(blocks), "data-checks")
