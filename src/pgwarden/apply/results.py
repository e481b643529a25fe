"""What ``pgwarden apply`` did: small typed values for the kit, the terminal and ``--json``."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgwarden.apply.execute import Attempt, BundleOutcome
from pgwarden.changes import ObjectChange
from pgwarden.evidence.gates import Verdict
from pgwarden.expect.model import ExpectationResult
from pgwarden.ledger.plan import BundlePlan, Plan
from pgwarden.preflight.run import PreflightReport
from pgwarden.preflight.sidecars import Sidecar
from pgwarden.probe.fingerprint import Fingerprint
from pgwarden.rehearse.rounds import Outcome
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


# -- the details of the gates only apply runs ---------------------------------------------------------
@dataclass(frozen=True)
class ExecuteGate:
    bundles: tuple[BundleResult, ...]
    failure: ServerError | None


@dataclass(frozen=True)
class RollbackGate:
    rolled_back: tuple[str, ...]
    equals_probe_before: bool | None
    difference: tuple[ObjectChange, ...]  # what still differs from probe-before, structured
    sidecars: tuple[str, ...]


@dataclass
class RunState:
    """What a run of apply has found so far, gate by gate (the result is made from it at the end)."""

    plan: Plan | None = None
    preflight: PreflightReport | None = None
    backup: BackupEvidence | None = None
    sidecars: tuple[Sidecar, ...] = ()
    before: Fingerprint | None = None
    bundles: dict[str, BundleResult] = field(default_factory=dict)
    applied_here: list[tuple[str, int]] = field(default_factory=list)  # (bundle, ledger row), in order
    failure: ServerError | None = None
    failed_bundle: str | None = None
    rolled_back: list[str] = field(default_factory=list)
    equals_before: bool | None = None
    manual_repair: tuple[str, ...] = ()
    verify: tuple[ExpectationResult, ...] = ()
    changes: tuple[str, ...] = ()
    reasons: list[str] = field(default_factory=list)
    run_row: bool = False
    rehearsal: Outcome | None = None
