"""What ``pgwarden apply`` did: small typed values for the kit, the terminal and ``--json``."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgwarden.apply.execute import Attempt, BundleOutcome
from pgwarden.evidence.gates import Verdict
from pgwarden.expect.model import ExpectationResult
from pgwarden.ledger.plan import BundlePlan
from pgwarden.preflight.sidecars import Sidecar
from pgwarden.runner.probes import ProbeOutcome
from pgwarden.runner.statements import ServerError


@dataclass(frozen=True)
class BundleResult:
    order: int
    id: str
    title: str
    atomic: bool
    outcome: BundleOutcome
    attempts: tuple[Attempt, ...] = ()
    probes: tuple[ProbeOutcome, ...] = ()
    rollback_error: ServerError | None = None
    ledger_id: int | None = None


@dataclass(frozen=True)
class BackupEvidence:
    waived: bool
    sha256: str
    dump: str | None = None
    bytes: int | None = None
    kit: str | None = None
    header: dict[str, str] = field(default_factory=dict)
    toc_entries: int | None = None


@dataclass(frozen=True)
class ApplyResult:
    kit: str
    verdict: Verdict
    package: str
    package_hash: str
    run_id: str
    dry_run: bool
    nothing_to_do: bool
    plan: tuple[BundlePlan, ...]
    bundles: tuple[BundleResult, ...]
    reasons: tuple[str, ...]
    failure: ServerError | None = None  # the statement that failed, with the server's words
    failed_bundle: str | None = None
    on_failure: str = "rollback"
    rolled_back: tuple[str, ...] = ()  # bundles this run rolled back, in the order it did
    equals_probe_before: bool | None = None  # after a rollback: is production back where it was?
    manual_repair: tuple[str, ...] = ()  # the fingerprint difference left, when it is not
    backup: BackupEvidence | None = None
    sidecars: tuple[Sidecar, ...] = ()
    replaces: tuple[str, ...] = ()  # live objects the bundles to run replace, alter or drop
    verify: tuple[ExpectationResult, ...] = ()
    changes: tuple[str, ...] = ()  # probe-before -> probe-after, on success
    seconds: float = 0.0
    gate_seconds: dict[str, float] = field(default_factory=dict)
    gate_status: dict[str, str] = field(default_factory=dict)
