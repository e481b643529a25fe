"""What is left to do: the package's bundles against what the ledger says about them.

A package the ledger shows fully applied with the same hash is "nothing to do". Partly applied with the
same hash (a run that was killed or stopped), apply continues with the next bundle. A bundle applied under
a different hash of the same package is refused (exit 2), naming it. An ``in_doubt`` bundle is refused
until ``pgwarden resolve`` records the truth. Bundles applied by earlier runs are never rolled back by this one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from pgwarden.errors import BadInput, GateFailed
from pgwarden.evidence.sums import SumEntry
from pgwarden.ledger.baseline import Baseline
from pgwarden.ledger.ledger import BundleState, LedgerRow, latest
from pgwarden.package.manifest import SUM, Package
from pgwarden.parsing.source import SqlSource
from pgwarden.parsing.statement_kinds import statement_kinds


@dataclass(frozen=True)
class BundlePlan:
    order: int  # TXN-<order>
    id: str
    title: str
    atomic: bool
    irreversible: bool
    sha256: str  # of the apply file
    statements: int
    kinds: dict[str, int]
    state: BundleState | None  # what the ledger says now (None: never attempted)
    to_run: bool


@dataclass(frozen=True)
class Plan:
    package: str
    package_hash: str
    bundles: tuple[BundlePlan, ...]

    @property
    def to_run(self) -> tuple[BundlePlan, ...]:
        return tuple(b for b in self.bundles if b.to_run)

    @property
    def nothing_to_do(self) -> bool:
        return not self.to_run


def package_hash(pkg: Package) -> str:
    """The sha256 of the package's ``pgwarden.sum`` (as read with the package): one hash that pins every file."""
    if pkg.sum_data is None:
        raise BadInput(f"{pkg.root / SUM}: not found: the package is not locked")
    return hashlib.sha256(pkg.sum_data).hexdigest()


def make_plan(pkg: Package, pins: tuple[SumEntry, ...], sources: dict[str, SqlSource], rows: list[LedgerRow]) -> Plan:
    """Which bundles still run, from the ledger's rows of this package; refuses what the design refuses."""
    digest = package_hash(pkg)
    pin = {e.path: e.sha256 for e in pins}
    now = latest(rows)
    differing = [
        f"bundle {b.id}: {now[b.id].state} under package hash {now[b.id].package_hash[:12]}…, "
        f"apply file sha256 {now[b.id].bundle_sha256[:12]}… (now {pin[b.apply_rel][:12]}…)"
        for b in pkg.bundles
        if b.id in now
        and now[b.id].state in (BundleState.APPLIED, BundleState.IN_DOUBT)
        and now[b.id].package_hash != digest
    ]
    differing += [
        f"bundle {b.id}: {now[b.id].state} with apply file sha256 {now[b.id].bundle_sha256[:12]}… under "
        f"this package hash, but this package's file has {pin[b.apply_rel][:12]}…"
        for b in pkg.bundles
        if b.id in now
        and now[b.id].state in (BundleState.APPLIED, BundleState.IN_DOUBT)
        and now[b.id].package_hash == digest
        and now[b.id].bundle_sha256 != pin[b.apply_rel]
    ]
    if differing:
        raise BadInput(
            f"package {pkg.name} is recorded in the ledger with a different hash; refusing to apply this "
            "version over it",
            details=[
                *differing,
                "a new version of an applied package needs a new package name, or the old bundles rolled back first",
            ],
        )
    ids = {b.id for b in pkg.bundles}
    foreign = [
        r for r in now.values() if r.bundle not in ids and r.state in (BundleState.APPLIED, BundleState.IN_DOUBT)
    ]
    if foreign:
        raise BadInput(
            f"package name {pkg.name!r} is recorded in the ledger with bundle(s) this package does not "
            f"have: {', '.join(r.bundle for r in foreign)}; a different package reuses the name",
            details=[
                f"bundle {r.bundle}: {r.state} by run {r.run_id} (package hash {r.package_hash[:12]}…)"
                for r in foreign[:10]
            ]
            + ["give this package a name of its own in [package] name"],
        )
    doubt = [b.id for b in pkg.bundles if b.id in now and now[b.id].state == BundleState.IN_DOUBT]
    if doubt:
        raise GateFailed(
            f"bundle(s) {', '.join(doubt)} of {pkg.name} are in_doubt: a non-atomic bundle was cut short "
            "or failed, so nobody knows whether it applied",
            details=[f"find out, then: pgwarden resolve {pkg.root} {b} --applied|--absent" for b in doubt],
        )
    out = []
    for i, b in enumerate(pkg.bundles, 1):
        state = now[b.id].state if b.id in now else None
        src = sources[b.apply_rel]
        kinds = dict(Counter(statement_kinds(st.node)[0] for st in src.statements).most_common())
        out.append(
            BundlePlan(
                i,
                b.id,
                b.title,
                b.transaction,
                b.irreversible,
                pin[b.apply_rel],
                len(src.statements),
                kinds,
                state,
                state != BundleState.APPLIED,
            )
        )
    gaps = [b for b in out if b.to_run]
    if gaps and any(not b.to_run for b in out[gaps[0].order :]):
        later = [b.id for b in out[gaps[0].order :] if not b.to_run]
        raise GateFailed(
            f"the ledger shows {', '.join(later)} applied after {gaps[0].id}, which is not: the locked "
            "order was broken; refusing to guess",
            details=["see pgwarden status"],
        )
    return Plan(pkg.name, digest, tuple(out))


@dataclass(frozen=True)
class LedgerGate:
    """The ledger gate's details, whichever command ran it (apply, rehearse): one shape in run.json."""

    ledger_version: int | None
    bundles: dict[str, str]  # every bundle's state in the ledger ("not attempted" when none)
    to_run: tuple[str, ...]  # the bundles still to run (rehearse: to rehearse)
    already_applied: tuple[str, ...]
    nothing_to_do: bool
    baseline: Baseline | None = None  # --baseline-from: what the other tool's history shows applied
    adopted: tuple[str, ...] = ()  # bundles this run recorded as applied (adopted), once


def ledger_gate(
    version: int | None, plan: Plan, baseline: Baseline | None = None, adopted: tuple[str, ...] = ()
) -> LedgerGate:
    return LedgerGate(
        version,
        {b.id: str(b.state or "not attempted") for b in plan.bundles},
        tuple(b.id for b in plan.to_run),
        tuple(b.id for b in plan.bundles if not b.to_run),
        plan.nothing_to_do,
        baseline,
        adopted,
    )
