"""``apply --baseline-from TOOL``: the bundles another tool's history shows applied are recorded once in the
ledger as applied (adopted), before the plan is made; with ``--dry-run`` nothing is written and the plan only
counts them as applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from pgwarden.evidence.sums import SumEntry
from pgwarden.ledger import ledger
from pgwarden.ledger.baseline import Baseline, adopt, read_baseline
from pgwarden.ledger.ledger import BundleState, LedgerRow
from pgwarden.ledger.plan import package_hash
from pgwarden.package.manifest import Package


@dataclass(frozen=True)
class Adoption:
    baseline: Baseline
    adopted: tuple[str, ...]  # the bundles recorded (dry run: that would be recorded) as applied
    rows: list[LedgerRow]  # the ledger's rows for the package, the adopted ones included


def adopt_for_run(
    conn: psycopg.Connection[Any],
    pkg: Package,
    pins: Sequence[SumEntry],
    rows: list[LedgerRow],
    *,
    tool: str,
    schema: str | None,
    run_id: str,
    kit: str,
    db_role: str,
    dry_run: bool,
) -> Adoption:
    base = read_baseline(conn, tool, pkg, schema)
    already = {r.bundle for r in rows}
    pinned = {e.path: e.sha256 for e in pins}
    digest = package_hash(pkg)
    if dry_run:
        fake = [
            LedgerRow(
                id=0,
                package=pkg.name,
                package_hash=digest,
                bundle=b.id,
                bundle_order=i,
                bundle_sha256=pinned[b.apply_rel],
                state=BundleState.APPLIED,
                started_at=ledger.now(),
                finished_at=None,
                db_role=db_role,
                os_user=ledger.os_user(),
                pgwarden_version="",
                run_id=run_id,
                kit=None,
                backup_sha256=None,
                note="dry run: would adopt",
                resolved_by=None,
                resolved_at=None,
                adopted_from=base.tool,
            )
            for i, b in enumerate(pkg.bundles, 1)
            if b.id in base.applied and b.id not in already
        ]
        return Adoption(base, tuple(r.bundle for r in fake), [*rows, *fake])
    ledger.ensure(conn)
    with conn.transaction(), conn.cursor() as cur:
        adopted = adopt(
            cur,
            base,
            pkg,
            package_hash=digest,
            pins=pinned,
            already=sorted(already),
            run_id=run_id,
            kit=kit,
            db_role=db_role,
            started_at=ledger.now(),
        )
    return Adoption(base, adopted, ledger.attempts(conn, pkg.name))
