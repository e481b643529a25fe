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

from pgwarden.check.report import check_report
from pgwarden.check.results import BundleReport, CheckResult, ProbeReport
from pgwarden.evidence.blocks import Block, Report
from pgwarden.evidence.gates import GateRunner, Verdict
from pgwarden.evidence.kit import EvidenceKit, check_out_dir
from pgwarden.findings import Finding, Severity
from pgwarden.jsonable import to_jsonable
from pgwarden.package.integrity import CheckedFile, IntegrityGate, integrity_gate
from pgwarden.package.manifest import MANIFEST, SUM, Package
from pgwarden.package.prelude import Parsed, prepare
from pgwarden.package.vars import pins as vars_pins
from pgwarden.parsing.source import SqlSource
from pgwarden.parsing.statement_kinds import statement_kinds
from pgwarden.progress import SILENT, Reporter

if TYPE_CHECKING:
    pass


def _kinds(src: SqlSource | None) -> dict[str, int]:
    if src is None:
        return {}
    return dict(Counter(statement_kinds(st.node)[0] for st in src.statements).most_common())


def _bundles(pkg: Package, parsed: Parsed, findings: list[Finding]) -> tuple[BundleReport, ...]:
    bundles = []
    for i, b in enumerate(pkg.bundles, 1):
        mine = [f for f in findings if f.bundle == b.id and f.file != MANIFEST]
        rsrc = parsed.sources.get(b.rollback_rel) if b.rollback_rel else None
        bundles.append(
            BundleReport(
                i,
                b.id,
                b.title,
                b.transaction,
                b.irreversible,
                b.rollback_reason,
                b.apply_rel,
                b.rollback_rel,
                len(parsed.sources[b.apply_rel].statements),
                _kinds(parsed.sources[b.apply_rel]),
                len(rsrc.statements) if rsrc else 0,
                _kinds(rsrc),
                sum(f.is_error for f in mine),
                sum(f.severity is Severity.WARNING for f in mine),
            )
        )
    return tuple(bundles)


@dataclass(frozen=True)
class PolicyGate:
    errors: int
    warnings: int
    findings: tuple[Finding, ...]


OFFLINE_GATES = ("integrity", "policy")
LIVE_GATES = ("identity", "integrity", "policy", "preflight")


def check(
    package_dir: Path,
    *,
    dsn: str | None = None,
    out: Path | None = None,
    write_kit: bool = True,
    reporter: Reporter = SILENT,
    data_checks: bool | None = None,
) -> CheckResult:
    """Check a package; see the module docstring. Raises BadInput (exit 2) before writing anything."""
    check_out_dir(out)
    prep = prepare(package_dir, placeholders=dsn is None)  # offline, a secret not available here is a stand-in
    pkg, parsed, findings = prep.pkg, prep.parsed, list(prep.findings)
    integrity = integrity_gate(prep)
    files, bundles = integrity.files, _bundles(pkg, parsed, findings)
    probes = tuple(
        ProbeReport(
            p.name,
            p.after,
            p.expected,
            parsed.probes[p.name].statements[0].first_line if parsed.probes[p.name].statements else "",
        )
        for p in pkg.probes
    )
    result = _result(pkg, findings, files, bundles, probes, live=dsn is not None)
    reporter.step(f"check {pkg.name}: {len(pkg.bundles)} bundle(s), {result.errors} lint error(s)")
    if dsn is None:
        if not write_kit:
            return result
        kit = EvidenceKit.create(out, "check", {"package": str(pkg.root), "dsn": None})
        runner = GateRunner(kit, OFFLINE_GATES, reporter)
        verdict = runner.run(
            lambda: _offline_gates(runner, result, integrity),
            lambda v, err: _finish(kit, pkg, replace(result, verdict=v, kit=str(kit.root)), err),
        )
        return replace(result, verdict=verdict, kit=str(kit.root))
    return _live(pkg, result, integrity, dsn, out, write_kit, parsed, reporter, data_checks)


def _result(
    pkg: Package,
    findings: list[Finding],
    files: tuple[CheckedFile, ...],
    bundles: tuple[BundleReport, ...],
    probes: tuple[ProbeReport, ...],
    *,
    live: bool,
    server: dict[str, Any] | None = None,
    preflight_blocks: tuple[Block, ...] = (),
) -> CheckResult:
    errors = sum(f.is_error for f in findings)
    return CheckResult(
        pkg.name,
        pkg.description,
        str(pkg.root),
        Verdict.FAIL if errors else Verdict.PASS,
        errors,
        sum(f.severity is Severity.WARNING for f in findings),
        tuple(findings),
        files,
        bundles,
        probes,
        pkg.policy,
        str(pkg.root / SUM),
        live,
        server,
        None,
        preflight_blocks,
    )


def _offline_gates(runner: GateRunner, result: CheckResult, integrity: IntegrityGate) -> None:
    with runner.gate("integrity") as g:
        g.record(integrity)
    with runner.gate("policy", stop=False) as g:  # every finding is listed, preflight's too
        policy = tuple(f for f in result.findings if not f.rule.startswith("preflight"))
        errs = sum(f.is_error for f in policy)
        g.record(PolicyGate(errs, len(policy) - errs, policy))
        if errs:
            g.fail(f"{errs} policy error(s)")


def _finish(kit: EvidenceKit, pkg: Package, result: CheckResult, error: BaseException | None) -> tuple[Report, object]:
    """The kit's copies of the package's pins and manifest, its findings, and the report."""
    kit.write_text("package/" + SUM, (pkg.sum_data or b"").decode("utf-8", "replace"))
    kit.write_text("package/" + MANIFEST, pkg.manifest_text)
    if pkg.vars:  # the [vars] values substituted: pinned by sha256, secrets never written
        kit.write_json("package/vars.json", vars_pins(pkg.vars))
    kit.write_json("findings.json", [to_jsonable(f) for f in result.findings])
    return check_report(result, error), result


def _live(
    pkg: Package,
    result: CheckResult,
    integrity: IntegrityGate,
    dsn: str,
    out: Path | None,
    write_kit: bool,
    parsed: Parsed,
    reporter: Reporter,
    data_checks: bool | None = None,
) -> CheckResult:
    from pgwarden.pg.conn import connection, session_limits
    from pgwarden.pg.guard import check_guard, identity_gate
    from pgwarden.pg.identity import read_identity
    from pgwarden.preflight.gate import preflight_gate
    from pgwarden.preflight.run import run_preflight  # the live half, loaded only when --dsn is given

    with (
        connection(dsn, application_name="pgwarden check") as c,
        tempfile.TemporaryDirectory(prefix="pgwarden-check-") as tmp,
    ):
        ident = read_identity(c)
        kit = EvidenceKit.create(
            out if write_kit else Path(tmp) / "kit", "check", {"package": str(pkg.root), "dsn": dsn}
        )
        kit.environment.update(server=ident.as_dict(), session_limits=asdict(session_limits()))
        runner = GateRunner(kit, LIVE_GATES, reporter)
        state: dict[str, CheckResult] = {"result": replace(result, server=ident.as_dict(), live=True)}

        def body() -> None:
            with runner.gate("identity") as g:
                g.record(identity_gate(ident, pkg.target))
                check_guard(ident, pkg.target)
            _offline_gates(runner, result, integrity)
            with runner.gate("preflight") as g:
                reporter.step(f"preflight against {ident.database} on PostgreSQL {ident.server_version}")
                report = run_preflight(pkg, c, kit, sources=parsed.sources, data_checks=data_checks)  # parsed once
                pre = tuple(report.findings)
                errs = sum(f.is_error for f in pre)
                merged = sorted([*result.findings, *pre], key=lambda f: (f.bundle or "", f.file, f.line, f.col))
                state["result"] = _result(
                    pkg,
                    merged,
                    result.files,
                    result.bundles,
                    result.probes,
                    live=True,
                    server=ident.as_dict(),
                    preflight_blocks=report.blocks,
                )
                g.record(preflight_gate(report, tuple(b.id for b in pkg.bundles)))
                if errs:
                    g.fail(f"{errs} refusal(s) predicted")

        verdict = runner.run(
            body, lambda v, err: _finish(kit, pkg, replace(state["result"], verdict=v, kit=str(kit.root)), err)
        )
    return replace(state["result"], verdict=verdict, kit=str(kit.root) if write_kit else None)
