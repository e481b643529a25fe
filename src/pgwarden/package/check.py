"""``pgwarden check PACKAGE``: command integrity, as seed 000 checked it by hand, before anything runs.

Order: the manifest is validated, ``pgwarden.sum`` is recomputed, every file and probe is parsed by
PostgreSQL's grammar (pglast); any problem there is bad input (exit 2) and nothing else happens. Then
the policy lint runs and the evidence kit is written: a finding of severity "error" makes the verdict
FAIL (exit 1). With ``--dsn`` the identity guard and the live preflight run too (read-only).

Gates, in order: identity (with ``--dsn``), integrity, policy, preflight (with ``--dsn``).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgwarden.errors import BadInput
from pgwarden.evidence.gates import GateRunner, Verdict
from pgwarden.evidence.kit import EvidenceKit, check_out_dir
from pgwarden.evidence.sums import SumEntry
from pgwarden.findings import Finding, Severity
from pgwarden.jsonable import to_jsonable
from pgwarden.package.check_report import summary_md
from pgwarden.package.check_result import (
    BundleReport,
    CheckedFile,
    CheckResult,
    FileRole,
    LineEndings,
    ProbeReport,
)
from pgwarden.package.lint.places import probe_places
from pgwarden.package.lint.run import lint_package
from pgwarden.package.lock import verify_integrity
from pgwarden.package.manifest import MANIFEST, SUM, Package, ProbeSpec, load_package
from pgwarden.package.vars import pins as vars_pins
from pgwarden.parsing.source import SqlSource, SqlSyntaxError, parse_source
from pgwarden.parsing.statement_kinds import statement_kinds
from pgwarden.progress import SILENT, Reporter

if TYPE_CHECKING:
    from pgwarden.preflight.data.execute import DataCheckResult
    from pgwarden.preflight.locks.grade import LockReport
    from pgwarden.preflight.run import NotPredicted


@dataclass(frozen=True)
class Parsed:
    sources: dict[str, SqlSource]
    probes: dict[str, SqlSource]


def parse_package(pkg: Package, *, placeholders: bool = False) -> Parsed:
    """Parse every bundle file and probe; all syntax errors at once, as one :class:`BadInput`. The bytes
    parsed are the bytes the package was loaded (and its integrity checked) with. ``placeholders``: a secret
    [vars] value that is not available here is parsed as a stand-in (an offline check)."""
    errors: list[str] = []
    sources: dict[str, SqlSource] = {}
    for b in pkg.bundles:
        for rel in (b.apply_rel, b.rollback_rel, b.verify_rel):
            if rel is None:
                continue
            try:
                sources[rel] = parse_source(pkg.sql_text(rel, placeholders=placeholders), rel)
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


def _line_endings(data: bytes) -> LineEndings:
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    if not crlf and not lf:
        return LineEndings.NONE
    return LineEndings.CRLF if crlf and not lf else LineEndings.LF if lf and not crlf else LineEndings.MIXED


def _kinds(src: SqlSource | None) -> dict[str, int]:
    if src is None:
        return {}
    return dict(Counter(statement_kinds(st.node)[0] for st in src.statements).most_common())


def _expect(p: ProbeSpec) -> str:
    if p.expect_error:
        return f"error {p.expect_error}"
    if p.expect_rows is not None:
        return f"{p.expect_rows} row(s)"
    return "succeeds"


def _reports(pkg: Package, parsed: Parsed, pins: tuple[SumEntry, ...],
             findings: list[Finding]) -> tuple[tuple[CheckedFile, ...], tuple[BundleReport, ...]]:
    pin = {e.path: e.sha256 for e in pins}
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
            sum(f.is_error for f in mine), sum(f.severity is Severity.WARNING for f in mine)))
    return tuple(files), tuple(bundles)


@dataclass(frozen=True)
class IntegrityGate:
    sum_file: str
    files: tuple[CheckedFile, ...]


@dataclass(frozen=True)
class PolicyGate:
    errors: int
    warnings: int
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class IdentityGate:
    target: dict[str, Any]
    server: dict[str, Any]


@dataclass(frozen=True)
class PreflightGate:
    statements: int
    rollback_statements: int
    errors: int
    findings: tuple[Finding, ...]
    refused: int = 0              # statements, apply and rollback: a refusal predicted
    predicted: int = 0            # … success predicted, every part judged
    not_predicted: tuple[NotPredicted, ...] = ()   # … not judged in full: the rehearsal covers them
    locks: LockReport | None = None   # the lock each statement takes, on which relation, with its size
    data_checks: bool = False         # the rows that would break a statement were counted
    data: tuple[DataCheckResult, ...] = ()


OFFLINE_GATES = ("integrity", "policy")
LIVE_GATES = ("identity", "integrity", "policy", "preflight")


def check(package_dir: Path, *, dsn: str | None = None, out: Path | None = None, write_kit: bool = True,
          reporter: Reporter = SILENT, data_checks: bool | None = None) -> CheckResult:
    """Check a package; see the module docstring. Raises BadInput (exit 2) before writing anything."""
    check_out_dir(out)
    pkg = load_package(package_dir)
    pins = verify_integrity(pkg)
    parsed = parse_package(pkg, placeholders=dsn is None)   # offline, a secret not available here is a stand-in
    findings = lint_package(pkg, parsed.sources, parsed.probes, probe_places(pkg))
    files, bundles = _reports(pkg, parsed, pins, findings)
    probes = tuple(ProbeReport(p.name, p.after, _expect(p), parsed.probes[p.name].statements[0].first_line
                               if parsed.probes[p.name].statements else "") for p in pkg.probes)
    result = _result(pkg, findings, files, bundles, probes, live=dsn is not None)
    reporter.step(f"check {pkg.name}: {len(pkg.bundles)} bundle(s), {result.errors} lint error(s)")
    if dsn is None:
        if not write_kit:
            return result
        kit = EvidenceKit.create(out, "check", {"package": str(pkg.root), "dsn": None})
        runner = GateRunner(kit, OFFLINE_GATES, reporter)
        verdict = runner.run(lambda: _offline_gates(runner, result),
                             lambda v, err: _finish(kit, pkg, replace(result, verdict=v, kit=str(kit.root)), err))
        return replace(result, verdict=verdict, kit=str(kit.root))
    return _live(pkg, result, dsn, out, write_kit, parsed, reporter, data_checks)


def _result(pkg: Package, findings: list[Finding], files: tuple[CheckedFile, ...],
            bundles: tuple[BundleReport, ...], probes: tuple[ProbeReport, ...], *, live: bool,
            server: dict[str, Any] | None = None, preflight_summary: str | None = None) -> CheckResult:
    errors = sum(f.is_error for f in findings)
    return CheckResult(pkg.name, pkg.description, str(pkg.root), Verdict.FAIL if errors else Verdict.PASS, errors,
                       sum(f.severity is Severity.WARNING for f in findings), tuple(findings), files, bundles,
                       probes, pkg.policy,
                       str(pkg.root / SUM), live, server, None, preflight_summary)


def _offline_gates(runner: GateRunner, result: CheckResult) -> None:
    with runner.gate("integrity") as g:
        g.record(IntegrityGate(result.sum_file, result.files))
    with runner.gate("policy", stop=False) as g:  # every finding is listed, preflight's too
        policy = tuple(f for f in result.findings if not f.rule.startswith("preflight"))
        errs = sum(f.is_error for f in policy)
        g.record(PolicyGate(errs, len(policy) - errs, policy))
        if errs:
            g.fail(f"{errs} policy error(s)")


def _finish(kit: EvidenceKit, pkg: Package, result: CheckResult, error: BaseException | None) -> tuple[str, object]:
    """The kit's copies of the package's pins and manifest, its findings, and SUMMARY.md."""
    kit.write_text("package/" + SUM, (pkg.sum_data or b"").decode("utf-8", "replace"))
    kit.write_text("package/" + MANIFEST, pkg.manifest_text)
    if pkg.vars:   # the [vars] values substituted: pinned by sha256, secrets never written
        kit.write_json("package/vars.json", vars_pins(pkg.vars))
    kit.write_json("findings.json", [to_jsonable(f) for f in result.findings])
    return summary_md(result, error=error), result


def _live(pkg: Package, result: CheckResult, dsn: str, out: Path | None, write_kit: bool, parsed: Parsed,
          reporter: Reporter, data_checks: bool | None = None) -> CheckResult:
    from pgwarden.pg.conn import connection, session_limits
    from pgwarden.pg.guard import check_guard
    from pgwarden.pg.identity import read_identity
    from pgwarden.preflight.run import run_preflight  # the live half, loaded only when --dsn is given
    with connection(dsn, application_name="pgwarden check") as c, \
            tempfile.TemporaryDirectory(prefix="pgwarden-check-") as tmp:
        ident = read_identity(c)
        kit = EvidenceKit.create(out if write_kit else Path(tmp) / "kit", "check",
                                 {"package": str(pkg.root), "dsn": dsn})
        kit.environment.update(server=ident.as_dict(), session_limits=asdict(session_limits()))
        runner = GateRunner(kit, LIVE_GATES, reporter)
        state: dict[str, CheckResult] = {"result": replace(result, server=ident.as_dict(), live=True)}

        def body() -> None:
            with runner.gate("identity") as g:
                g.record(IdentityGate(pkg.target, ident.as_dict()))
                check_guard(ident, pkg.target)
            _offline_gates(runner, result)
            with runner.gate("preflight") as g:
                reporter.step(f"preflight against {ident.database} on PostgreSQL {ident.server_version}")
                report = run_preflight(pkg, c, kit, sources=parsed.sources, data_checks=data_checks)  # parsed once
                pre = tuple(report.findings)
                errs = sum(f.is_error for f in pre)
                merged = sorted([*result.findings, *pre], key=lambda f: (f.bundle or "", f.file, f.line, f.col))
                state["result"] = _result(pkg, merged, result.files, result.bundles, result.probes, live=True,
                                          server=ident.as_dict(), preflight_summary=report.summary_md or "")
                g.record(PreflightGate(report.statements, report.rollback_statements, errs, pre, report.refused,
                                       report.predicted, report.not_predicted, report.locks, report.data_checks,
                                       report.data))
                if errs:
                    g.fail(f"{errs} refusal(s) predicted")

        verdict = runner.run(body, lambda v, err: _finish(
            kit, pkg, replace(state["result"], verdict=v, kit=str(kit.root)), err))
    return replace(state["result"], verdict=verdict, kit=str(kit.root) if write_kit else None)
