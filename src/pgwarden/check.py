"""``pgwarden check PACKAGE``: command integrity, as seed 000 checked it by hand, before anything runs.

Order: the manifest is validated, ``pgwarden.sum`` is recomputed, every file and probe is parsed by
PostgreSQL's grammar (pglast); any problem there is bad input (exit 2) and nothing else happens. Then
the policy lint runs and the evidence kit is written: a finding of severity "error" makes the verdict
FAIL (exit 1). With ``--dsn`` the identity guard and the live preflight run too (read-only).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pgwarden import userpaths
from pgwarden.errors import BadInput, GateFailed, PgwardenError
from pgwarden.findings import Finding
from pgwarden.kit import EvidenceKit, GateRecord, aborted_status, utcnow
from pgwarden.lint.kinds import statement_kinds
from pgwarden.lint.places import probe_places
from pgwarden.lint.run import lint_package
from pgwarden.lock import SumEntry, verify_integrity
from pgwarden.manifest import MANIFEST, SUM, Package, Policy, load_package
from pgwarden.results import to_jsonable
from pgwarden.sqlsource import SqlSource, SqlSyntaxError, decode_sql, parse_source


@dataclass(frozen=True)
class CheckedFile:
    path: str                 # relative to the package root
    role: str                 # "manifest" | "apply" | "rollback"
    bundle: str | None
    sha256: str
    bytes: int
    statements: int | None
    line_endings: str         # "LF" | "CRLF" | "mixed" | "none"


@dataclass(frozen=True)
class BundleReport:
    order: int                # TXN-<order>
    id: str
    title: str
    atomic: bool              # False when transaction = false
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
    verdict: str              # "PASS" | "FAIL"
    errors: int
    warnings: int
    findings: tuple[Finding, ...]
    files: tuple[CheckedFile, ...]
    bundles: tuple[BundleReport, ...]
    probes: tuple[ProbeReport, ...]
    policy: Policy
    sum_file: str
    live: bool                # True when --dsn checks ran
    server: dict[str, Any] | None = None
    kit: str | None = None
    preflight_summary: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Parsed:
    sources: dict[str, SqlSource]
    probes: dict[str, SqlSource]


def parse_package(pkg: Package, pins: tuple[SumEntry, ...] | None = None) -> Parsed:
    """Parse every bundle file and probe; all syntax errors at once, as one :class:`BadInput`.

    With ``pins``, the bytes parsed are the bytes hashed: a file that changes between the integrity
    check and the parse is refused too.
    """
    errors: list[str] = []
    sources: dict[str, SqlSource] = {}
    pin = {e.path: e.sha256 for e in pins or ()}
    for b in pkg.bundles:
        for rel, path in ((b.apply_rel, b.apply), (b.rollback_rel, b.rollback)):
            if rel is None or path is None:
                continue
            try:
                data = path.read_bytes()
                if rel in pin and hashlib.sha256(data).hexdigest() != pin[rel]:
                    raise BadInput(f"{rel}: changed while it was being checked; run check again")
                sources[rel] = parse_source(decode_sql(data, rel), rel)
            except OSError as exc:
                errors.append(f"{rel}: cannot read: {exc.strerror}")
            except BadInput as exc:
                errors.append(exc.message)
    places = probe_places(pkg)
    probes: dict[str, SqlSource] = {}
    for p in pkg.probes:
        try:
            probes[p.name] = parse_source(p.sql, MANIFEST)
        except SqlSyntaxError as exc:
            off = sum(len(x) + 1 for x in p.sql.split("\n")[: exc.line - 1]) + exc.col - 1
            line, col = places[p.name](off)
            errors.append(f"{MANIFEST}:{line}:{col}: probe {p.name!r}: {exc.pg_message}")
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BadInput(errors[0] + more, details=errors[1:])
    return Parsed(sources, probes)


def _line_endings(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    if not crlf and not lf:
        return "none"
    return "CRLF" if crlf and not lf else "LF" if lf and not crlf else "mixed"


def _kinds(src: SqlSource | None) -> dict[str, int]:
    if src is None:
        return {}
    return dict(Counter(statement_kinds(st.node)[0] for st in src.statements).most_common())


def _expect(p: Any) -> str:
    if p.expect_error:
        return f"error {p.expect_error}"
    if p.expect_rows is not None:
        return f"{p.expect_rows} row(s)"
    return "succeeds"


def _reports(pkg: Package, parsed: Parsed, pins: tuple[SumEntry, ...],
             findings: list[Finding]) -> tuple[tuple[CheckedFile, ...], tuple[BundleReport, ...]]:
    pin = {e.path: e.sha256 for e in pins}
    roles: dict[str, tuple[str, str | None]] = {MANIFEST: ("manifest", None)}
    for b in pkg.bundles:
        roles[b.apply_rel] = ("apply", b.id)
        if b.rollback_rel:
            roles[b.rollback_rel] = ("rollback", b.id)
    files = []
    for rel in pkg.named_files():
        data = (pkg.root / rel).read_bytes()
        src = parsed.sources.get(rel)
        role, bundle = roles[rel]
        files.append(CheckedFile(rel, role, bundle, pin[rel], len(data),
                                 len(src.statements) if src else None, _line_endings(data)))
    bundles = []
    for i, b in enumerate(pkg.bundles, 1):
        mine = [f for f in findings if f.bundle == b.id and f.file != MANIFEST]
        rsrc = parsed.sources.get(b.rollback_rel) if b.rollback_rel else None
        bundles.append(BundleReport(
            i, b.id, b.title, b.transaction, b.irreversible, b.rollback_reason, b.apply_rel, b.rollback_rel,
            len(parsed.sources[b.apply_rel].statements), _kinds(parsed.sources[b.apply_rel]),
            len(rsrc.statements) if rsrc else 0, _kinds(rsrc),
            sum(f.severity == "error" for f in mine), sum(f.severity != "error" for f in mine)))
    return tuple(files), tuple(bundles)


def check(package_dir: Path, *, dsn: str | None = None, out: Path | None = None,
          write_kit: bool = True) -> CheckResult:
    """Check a package; see the module docstring. Raises BadInput (exit 2) before writing anything."""
    if out is not None:
        userpaths.exists(out, "--out")
    pkg = load_package(package_dir)
    pins = verify_integrity(pkg)
    parsed = parse_package(pkg, pins)
    findings = lint_package(pkg, parsed.sources, parsed.probes, probe_places(pkg))
    files, bundles = _reports(pkg, parsed, pins, findings)
    probes = tuple(ProbeReport(p.name, p.after, _expect(p), parsed.probes[p.name].statements[0].first_line
                               if parsed.probes[p.name].statements else "") for p in pkg.probes)
    result = _result(pkg, findings, files, bundles, probes, live=dsn is not None)
    if dsn is None:
        if not write_kit:
            return result
        kit = EvidenceKit.create(out, "check", {"package": str(pkg.root), "dsn": None})
        return _finish(kit, pkg, result)
    return _live(pkg, result, dsn, out, write_kit, parsed)


def _result(pkg: Package, findings: list[Finding], files: tuple[CheckedFile, ...],
            bundles: tuple[BundleReport, ...], probes: tuple[ProbeReport, ...], *, live: bool,
            server: dict[str, Any] | None = None, preflight_summary: str | None = None) -> CheckResult:
    errors = sum(f.severity == "error" for f in findings)
    return CheckResult(pkg.name, pkg.description, str(pkg.root), "FAIL" if errors else "PASS", errors,
                       len(findings) - errors, tuple(findings), files, bundles, probes, pkg.policy,
                       str(pkg.root / SUM), live, server, None, preflight_summary)


def _offline_gates(kit: EvidenceKit, result: CheckResult) -> None:
    now = utcnow()
    kit.add_gate(GateRecord("integrity", "PASS", now, utcnow(), {
        "sum_file": result.sum_file, "files": [to_jsonable(f) for f in result.files]}))
    policy_findings = [f for f in result.findings if not f.rule.startswith("preflight")]
    errs = sum(f.severity == "error" for f in policy_findings)
    kit.add_gate(GateRecord("policy", "FAIL" if errs else "PASS", now, utcnow(), {
        "errors": errs, "warnings": len(policy_findings) - errs,
        "findings": [to_jsonable(f) for f in policy_findings]}))


def _finish(kit: EvidenceKit, pkg: Package, result: CheckResult) -> CheckResult:
    from pgwarden.checkreport import summary_md
    if not kit.gates:
        _offline_gates(kit, result)
    kit.write_text("package/" + SUM, (pkg.root / SUM).read_text(encoding="utf-8"))
    kit.write_text("package/" + MANIFEST, pkg.manifest_path.read_text(encoding="utf-8"))
    kit.write_json("findings.json", [to_jsonable(f) for f in result.findings])
    final = replace(result, kit=str(kit.root))
    kit.finish(final.verdict, summary_md(final), to_jsonable(final))
    return final


def _live(pkg: Package, result: CheckResult, dsn: str, out: Path | None, write_kit: bool,
          parsed: Parsed) -> CheckResult:
    from pgwarden import conn as connmod
    from pgwarden.checkreport import summary_md
    from pgwarden.preflight import run_preflight  # the live half, loaded only when --dsn is given
    with connmod.connection(dsn) as c, tempfile.TemporaryDirectory(prefix="pgwarden-check-") as tmp:
        ident = connmod.identity(c)
        kit = EvidenceKit.create(out if write_kit else Path(tmp) / "kit", "check",
                                 {"package": str(pkg.root), "dsn": dsn})
        kit.environment["server"] = ident.as_dict()
        try:
            with kit.gate("identity") as details:
                details.update(target=pkg.target, server=ident.as_dict())
                connmod.check_guard(ident, pkg.target)
            _offline_gates(kit, result)
            with kit.gate("preflight") as details:
                report = run_preflight(pkg, c, kit, sources=parsed.sources)  # parsed once
                pre = tuple(report.findings)
                errs = sum(f.severity == "error" for f in pre)
                details.update(errors=errs, findings=[to_jsonable(f) for f in pre])
                if errs:
                    details["status"] = "FAIL"
            merged = sorted([*result.findings, *pre], key=lambda f: (f.bundle or "", f.file, f.line, f.col))
            live = _result(pkg, merged, result.files, result.bundles, result.probes, live=True,
                           server=ident.as_dict(), preflight_summary=report.summary_md or "")
            final = _finish(kit, pkg, live)
        except BaseException as exc:  # the kit must be sealed whatever stopped the run
            if not kit.finished:
                failed = replace(result, verdict="FAIL", server=ident.as_dict(), live=True, kit=str(kit.root))
                err = exc if isinstance(exc, PgwardenError) else PgwardenError(
                    f"stopped by {type(exc).__name__}: {exc}")
                kit.finish(aborted_status(exc, "FAIL" if isinstance(exc, GateFailed) else "ERROR"),
                           summary_md(failed, error=err), to_jsonable(failed))
                if write_kit and isinstance(exc, PgwardenError):
                    exc.details = (*exc.details, f"evidence kit: {kit.root}")
            raise
    return final if write_kit else replace(final, kit=None)
