"""The integrity gate of every package command (check, apply, rehearse): each file the package names, as it
was read once and pinned by ``pgwarden.sum``, and what the policy lint said of it. One shape in run.json."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pgwarden.findings import Finding, Severity
from pgwarden.package.manifest import MANIFEST, SUM
from pgwarden.package.prelude import Prepared


class FileRole(StrEnum):
    MANIFEST = "manifest"
    APPLY = "apply"
    ROLLBACK = "rollback"
    VERIFY = "verify"  # a Sqitch-style verify script, run after its bundle and rolled back
    VARS = "vars"  # the file a non-secret [vars] value is read from


class LineEndings(StrEnum):
    LF = "LF"
    CRLF = "CRLF"
    MIXED = "mixed"
    NONE = "none"


@dataclass(frozen=True)
class CheckedFile:
    path: str  # relative to the package root
    role: FileRole
    bundle: str | None
    sha256: str
    bytes: int
    statements: int | None
    line_endings: LineEndings


@dataclass(frozen=True)
class IntegrityGate:
    sum_file: str
    files: tuple[CheckedFile, ...]
    policy_errors: int
    policy_warnings: int
    findings: tuple[Finding, ...]  # the policy lint's, waived ones marked


def line_endings(data: bytes) -> LineEndings:
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    if not crlf and not lf:
        return LineEndings.NONE
    return LineEndings.CRLF if crlf and not lf else LineEndings.LF if lf and not crlf else LineEndings.MIXED


def checked_files(prep: Prepared) -> tuple[CheckedFile, ...]:
    """Every file the package names, in the manifest's order, with its pin and what parsing it found."""
    pkg = prep.pkg
    pin = {e.path: e.sha256 for e in prep.pins}
    roles: dict[str, tuple[FileRole, str | None]] = {MANIFEST: (FileRole.MANIFEST, None)}
    for b in pkg.bundles:
        roles[b.apply_rel] = (FileRole.APPLY, b.id)
        if b.rollback_rel:
            roles[b.rollback_rel] = (FileRole.ROLLBACK, b.id)
        if b.verify_rel:
            roles[b.verify_rel] = (FileRole.VERIFY, b.id)
    files = []
    for rel in pkg.named_files():
        data = pkg.data(rel)
        src = prep.sources.get(rel)
        role, bundle = roles.get(rel, (FileRole.VARS, None))
        files.append(
            CheckedFile(
                rel, role, bundle, pin[rel], len(data), len(src.statements) if src else None, line_endings(data)
            )
        )
    return tuple(files)


def integrity_gate(prep: Prepared, files: tuple[CheckedFile, ...] | None = None) -> IntegrityGate:
    errors = sum(f.is_error for f in prep.findings)
    warnings = sum(f.severity is Severity.WARNING for f in prep.findings)
    return IntegrityGate(
        str(prep.pkg.root / SUM), checked_files(prep) if files is None else files, errors, warnings, prep.findings
    )
