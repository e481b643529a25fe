"""``pgwarden status``: what the ledger says, read-only. Per package, its bundles in order with their state,
when, by which role and run, and the last run's verdict and kit. A database without a ledger says so (exit 0)."""

from __future__ import annotations

from dataclasses import dataclass

from pgwarden.ledger import ledger
from pgwarden.ledger.ledger import BundleState, RunRow
from pgwarden.pg.conn import connection
from pgwarden.pg.identity import read_identity


@dataclass(frozen=True)
class BundleStatus:
    order: int
    bundle: str
    state: BundleState
    at: str
    db_role: str
    os_user: str
    run_id: str
    package_hash: str
    note: str | None


@dataclass(frozen=True)
class PackageStatus:
    package: str
    bundles: tuple[BundleStatus, ...]
    last_run: RunRow | None

    @property
    def applied(self) -> tuple[str, ...]:
        return tuple(b.bundle for b in self.bundles if b.state == BundleState.APPLIED)

    @property
    def in_doubt(self) -> tuple[str, ...]:
        return tuple(b.bundle for b in self.bundles if b.state == BundleState.IN_DOUBT)


@dataclass(frozen=True)
class StatusResult:
    database: str
    server_version: str
    ledger_version: int | None
    packages: tuple[PackageStatus, ...]

    @property
    def message(self) -> str:
        if self.ledger_version is None:
            return f"no pgwarden ledger in database {self.database}: nothing was applied here by pgwarden"
        return f"{len(self.packages)} package(s) in the ledger of database {self.database}"


def status(dsn: str | None) -> StatusResult:
    with connection(dsn, application_name="pgwarden status") as conn:
        ident = read_identity(conn)
        version = ledger.installed_version(conn)
        ledger.check_version(version)
        rows = ledger.attempts(conn)
        runs = ledger.runs(conn)
    packages: dict[str, dict[str, BundleStatus]] = {}
    for r in rows:
        packages.setdefault(r.package, {})[r.bundle] = BundleStatus(
            r.bundle_order,
            r.bundle,
            r.state,
            r.resolved_at or r.finished_at or r.started_at,
            r.db_role,
            r.os_user,
            r.run_id,
            r.package_hash,
            r.note,
        )
    last: dict[str, RunRow] = {}
    for run in runs:
        last[run.package] = run
    out = tuple(
        PackageStatus(name, tuple(sorted(b.values(), key=lambda x: (x.order, x.bundle))), last.get(name))
        for name, b in sorted(packages.items())
    )
    return StatusResult(ident.database, ident.server_version, version, out)
