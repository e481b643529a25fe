"""``pgwarden resolve PACKAGE BUNDLE --applied|--absent``: the operator's finding for an ``in_doubt`` bundle.

A ``transaction = false`` bundle cut short leaves its ledger row ``in_doubt``: nobody knows whether its
statement took effect, and apply refuses to go on until someone looks. The finding is recorded in that
row (state, who, when), under the same lock apply takes, and in a kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence.blocks import Block, Report, Text
from pgwarden.evidence.gates import GateRunner, Verdict, gate_list, stopped
from pgwarden.evidence.kit import EvidenceKit, check_out_dir
from pgwarden.ledger import ledger
from pgwarden.ledger.ledger import BundleState
from pgwarden.package.manifest import MANIFEST, load_package
from pgwarden.pg.conn import connection
from pgwarden.pg.identity import read_identity
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn


@dataclass(frozen=True)
class ResolveResult:
    kit: str
    package: str
    bundle: str
    state: BundleState
    resolved_by: str
    ledger_row: int


def package_name(package: str) -> str:
    """A package directory (its manifest's name) or a package name as the ledger records it."""
    path = Path(package)
    if userfiles.exists(path) and (path / MANIFEST).is_file():
        return load_package(path).name
    return package


def resolve(
    package: str, bundle: str, *, applied: bool, dsn: str | None, out: Path | None = None, reporter: Reporter = SILENT
) -> ResolveResult:
    check_out_dir(out)
    name = package_name(package)
    state = BundleState.APPLIED if applied else BundleState.ABSENT
    with connection(dsn, application_name="pgwarden resolve") as conn:
        ident = read_identity(conn)
        kit = EvidenceKit.create(
            out, "resolve", {"package": name, "bundle": bundle, "state": state.value, "dsn": redact_dsn(dsn)}
        )
        runner = GateRunner(kit, ("ledger", "resolve"), reporter)
        found: list[ResolveResult] = []

        def body() -> None:
            with runner.gate("ledger") as g:
                ledger.take_lock(conn, f"resolve {name} {bundle}")
                rows = [r for r in ledger.attempts(conn, name) if r.bundle == bundle]
                if not rows:
                    raise BadInput(f"the ledger has no bundle {bundle!r} of package {name!r}; see pgwarden status")
                row = rows[-1]
                g.record(row)
                if row.state != BundleState.IN_DOUBT:
                    raise BadInput(
                        f"bundle {bundle} of {name} is {row.state}, not in_doubt: there is nothing to resolve"
                    )
            with runner.gate("resolve") as g:
                who = f"{ledger.os_user()} as {ident.role}"
                with conn.transaction(), conn.cursor() as cur:
                    ledger.mark(cur, row.id, state, note=f"resolved by {who}: {state}", resolved_by=who)
                found.append(ResolveResult(str(kit.root), name, bundle, state, who, row.id))
                g.record(found[0])
                reporter.step(f"recorded: bundle {bundle} of {name} is {state} ({who})")

        def finish(v: Verdict, e: BaseException | None) -> tuple[Report, object]:
            said = f"Package {name}, bundle {bundle}: {'recorded ' + state.value if found else 'nothing recorded'}."
            blocks: list[Block] = [
                Text(said),
                *([Text(f"Stopped: {stopped(e)}")] if e else []),
                gate_list(runner.records),
            ]
            report = Report(f"pgwarden resolve: {v}", f"{name} {bundle}", v.value, tuple(blocks), said)
            return report, found[0] if found else {}

        runner.run(body, finish)
    return found[0]
