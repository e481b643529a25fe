"""What ``pgwarden rehearse`` found, as small typed values."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgwarden.evidence.gates import Verdict
from pgwarden.findings import Finding
from pgwarden.rehearse.clone import CloneInfo
from pgwarden.rehearse.rounds import Outcome, RehearsalFinding, StepResult


@dataclass(frozen=True)
class RehearseResult:
    kit: str
    verdict: Verdict
    package: str
    clone: CloneInfo | None
    already_applied: tuple[str, ...]
    rehearsed: tuple[str, ...]
    steps: tuple[StepResult, ...]
    findings: tuple[RehearsalFinding, ...]
    lint: tuple[Finding, ...]
    fingerprints: int = 0
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)
    unproven: tuple[str, ...] = ()  # forward-only bundles (rollback = "none"): applied, never undone


@dataclass(frozen=True)
class RehearsalGate:
    """The rehearsal gate's details, whichever command ran it (rehearse, apply's gate 6): one shape in run.json."""

    clone: CloneInfo | None
    rehearsed: tuple[str, ...]
    findings: tuple[RehearsalFinding, ...]
    steps: tuple[StepResult, ...]
    unproven: tuple[str, ...]  # forward-only bundles: applied on the clone, no rollback to prove
    fingerprints: int


def rehearsal_gate(outcome: Outcome, clone: CloneInfo | None) -> RehearsalGate:
    return RehearsalGate(
        clone,
        tuple(outcome.rehearsed),
        tuple(outcome.findings),
        tuple(outcome.steps),
        tuple(outcome.unproven),
        outcome.fingerprints,
    )
