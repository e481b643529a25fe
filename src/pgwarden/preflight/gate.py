"""The preflight gate's details, whichever command ran it (``check --dsn``, apply's gate 4): one shape in
run.json."""

from __future__ import annotations

from dataclasses import dataclass

from pgwarden.findings import Finding
from pgwarden.preflight.data.execute import DataCheckResult
from pgwarden.preflight.locks.grade import LockReport
from pgwarden.preflight.run import NotPredicted, PreflightReport


@dataclass(frozen=True)
class PreflightGate:
    bundles: tuple[str, ...]  # the bundles preflighted (apply: only those still to run)
    statements: int  # apply statements preflighted
    rollback_statements: int  # … and rollback statements
    errors: int  # refusals predicted (findings of severity error)
    findings: tuple[Finding, ...]
    refused: int = 0  # statements, apply and rollback: a refusal predicted
    predicted: int = 0  # … success predicted, every part judged
    not_predicted: tuple[NotPredicted, ...] = ()  # … not judged in full: the rehearsal covers them
    locks: LockReport | None = None  # the lock each statement takes, on which relation, with its size
    data_checks: bool = False  # the rows that would break a statement were counted
    data: tuple[DataCheckResult, ...] = ()


def preflight_gate(report: PreflightReport, bundles: tuple[str, ...]) -> PreflightGate:
    return PreflightGate(
        bundles,
        report.statements,
        report.rollback_statements,
        sum(f.is_error for f in report.findings),
        tuple(report.findings),
        report.refused,
        report.predicted,
        report.not_predicted,
        report.locks,
        report.data_checks,
        report.data,
    )
