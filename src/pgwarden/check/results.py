"""What ``pgwarden check`` found: small typed values, shared by the check and its reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgwarden.evidence.blocks import Block
from pgwarden.evidence.gates import Verdict
from pgwarden.findings import Finding
from pgwarden.package.integrity import CheckedFile
from pgwarden.package.manifest import Policy


@dataclass(frozen=True)
class BundleReport:
    order: int  # TXN-<order>
    id: str
    title: str
    atomic: bool  # False when transaction = false
    irreversible: bool
    rollback_reason: str | None
    apply: str
    rollback: str | None
    statements: int
    kinds: dict[str, int]
    rollback_statements: int
    rollback_kinds: dict[str, int]
    errors: int
    warnings: int


@dataclass(frozen=True)
class ProbeReport:
    name: str
    after: str
    expect: str
    statement: str


@dataclass(frozen=True)
class CheckResult:
    package: str
    description: str
    root: str
    verdict: Verdict
    errors: int
    warnings: int
    findings: tuple[Finding, ...]
    files: tuple[CheckedFile, ...]
    bundles: tuple[BundleReport, ...]
    probes: tuple[ProbeReport, ...]
    policy: Policy
    sum_file: str
    live: bool  # True when --dsn checks ran
    server: dict[str, Any] | None = None
    kit: str | None = None
    preflight_blocks: tuple[Block, ...] = field(default=(), repr=False)  # the live checks' report sections
