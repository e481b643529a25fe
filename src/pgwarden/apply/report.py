"""The report of ``pgwarden apply``, laid out like seed 000's: status, gates, backup evidence, sidecars, command
integrity with the locked order TXN-1…n and what was not included, execution and the failure, rollback, verify,
and what changed (probe-before → probe-after, as the probe-after gate recorded it)."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.apply.execute import BundleOutcome
from pgwarden.apply.results import ApplyResult
from pgwarden.changes import ObjectChange
from pgwarden.check.report import exclusions
from pgwarden.evidence.blocks import Block, Bullets, Code, Diff, ErrorCard, Facts, Report, Section, Table, Text
from pgwarden.evidence.gates import GateRecord, GateStatus, Verdict, gate_list, stopped
from pgwarden.evidence.markdown import yes_no
from pgwarden.findings import Finding
from pgwarden.package.manifest import Package
from pgwarden.preflight.sidecars import sidecars_section
from pgwarden.probe.gate import ProbeGate

_MARK = {
    BundleOutcome.APPLIED: "✅ applied",
    BundleOutcome.ALREADY_APPLIED: "✅ applied by an earlier run",
    BundleOutcome.FAILED: "❌ failed",
    BundleOutcome.PROBE_FAILED: "❌ applied, probe failed",
    BundleOutcome.IN_DOUBT: "⚠️ in doubt",
    BundleOutcome.ROLLED_BACK: "↩️ rolled back",
    BundleOutcome.ROLLBACK_FAILED: "❌ rollback failed",
    BundleOutcome.NOT_REACHED: "— not reached",
}


def _status(r: ApplyResult, gates: Sequence[GateRecord]) -> str:
    by = {g.name: g for g in gates if g.status != GateStatus.SKIPPED}
    parts = []
    if r.nothing_to_do:
        return "Nothing to do: the ledger shows every bundle of this package applied, with this package hash."
    b = by.get("backup")
    if b is not None:
        parts.append(f"Backup {b.status}.")
    integrity = by.get("integrity")
    if integrity is not None:
        ids = ", ".join(p.id for p in r.plan)
        parts.append(f"Command integrity {integrity.status} for {ids} and locked order.")
    pre = by.get("preflight")
    if pre is not None and pre.status == GateStatus.FAIL:
        parts.append(f"Preflight refused the package before anything ran: {pre.reason}. Nothing was executed.")
    if r.dry_run:
        parts.append("Dry run: nothing was changed.")
    if r.failure is not None or r.failed_bundle:
        parts.append(f"Bundle {r.failed_bundle} failed" + (f": {r.failure.message}." if r.failure else "."))
        if r.on_failure == "stop":
            parts.append("--on-failure stop: the bundles this run applied were left in place.")
        elif r.rolled_back:
            parts.append(
                f"Rolled back {', '.join(r.rolled_back)} with package-approved rollback statements; "
                f"production equals probe-before: {yes_no(r.equals_probe_before)}."
            )
    if r.manual_repair:
        parts.append("**Manual repair required** (see Rollback).")
    if r.verdict == Verdict.PASS and not r.dry_run:
        parts.append(f"Applied {', '.join(b.id for b in r.bundles if b.outcome == BundleOutcome.APPLIED)}.")
    return " ".join(parts)


_ROW = {
    BundleOutcome.APPLIED: "PASS",
    BundleOutcome.ALREADY_APPLIED: "PASS",
    BundleOutcome.FAILED: "FAIL",
    BundleOutcome.PROBE_FAILED: "FAIL",
    BundleOutcome.IN_DOUBT: "WAIVED",
    BundleOutcome.ROLLED_BACK: "ROLLED BACK",
    BundleOutcome.ROLLBACK_FAILED: "FAIL",
    BundleOutcome.NOT_REACHED: "SKIPPED",
}


def _backup(r: ApplyResult) -> list[Block]:
    if r.backup is None:
        return []
    if r.backup.waived:
        return [
            Section(
                "Backup evidence",
                (
                    Text(
                        "No backup was taken by this run (--no-backup). The operator's backup: sha256 "
                        f"`{r.backup.sha256}`."
                    ),
                ),
                "backup",
            )
        ]
    rows = [
        ("Backup path", r.backup.dump),
        ("SHA256", r.backup.sha256),
        ("Size", f"{r.backup.bytes:,} bytes" if r.backup.bytes is not None else "—"),
        ("TOC entries", r.backup.toc_entries),
        ("Backup kit", r.backup.kit),
    ]
    return [
        Section(
            "Backup evidence", (Facts.of("", rows), Facts.of("pg_restore -l header", r.backup.header.items())), "backup"
        )
    ]


def _integrity(r: ApplyResult, gates: Sequence[GateRecord], pkg: Package, findings: Sequence[Finding]) -> Section:
    states = {bp.id: bp.state for bp in r.plan}
    order = []
    for i, mb in enumerate(pkg.bundles, 1):
        tags = [
            t
            for t in (
                "non-atomic: transaction = false" if not mb.transaction else "",
                "irreversible" if mb.irreversible else "",
                f"ledger: {states[mb.id]}" if states.get(mb.id) else "",
            )
            if t
        ]
        order.append(f"TXN-{i}: Bundle {mb.id} — {mb.title}" + (f" [{'; '.join(tags)}]" if tags else ""))
    blocks: list[Block] = [Text("Locked execution order:"), Bullets(tuple(order))]
    integrity = next((g for g in gates if g.name == "integrity"), None)
    if integrity is not None and integrity.status != GateStatus.SKIPPED:
        blocks += [Text("What was not included:"), Bullets(tuple(exclusions(findings, pkg.policy)))]
    return Section("Command integrity", tuple(blocks), "integrity")


def _execution(r: ApplyResult) -> list[Block]:
    if not r.bundles:
        return []
    blocks: list[Block] = [
        Table.of(
            "",
            ("order", "bundle", "title", "outcome", "attempts", "seconds"),
            [
                (
                    f"TXN-{b.order}",
                    b.id,
                    b.title,
                    _MARK[b.outcome],
                    len(b.attempts),
                    f"{sum(a.seconds for a in b.attempts):.3f}",
                )
                for b in r.bundles
            ],
            [_ROW[b.outcome] for b in r.bundles],
        )
    ]
    for b in r.bundles:
        retried = [a for a in b.attempts if a.error is not None and a is not b.attempts[-1]]
        blocks += [
            Text(
                f"Bundle {b.id}, attempt {a.number}: {a.outcome} ({a.error.message if a.error else ''}); retried whole."
            )
            for a in retried
        ]
        if b.probes:
            blocks.append(
                Bullets(
                    tuple(
                        f"Rollback-only probe `{p.name}` after {p.after}: expected {p.expected}, got {p.actual}: "
                        f"{'PASS' if p.ok else 'FAIL'} (rolled back"
                        + (
                            f"; it advanced sequence {', '.join(p.advanced)}, which a rollback does not undo"
                            if p.advanced
                            else ""
                        )
                        + ")"
                        for p in b.probes
                    )
                )
            )
    if r.failure is not None:
        blocks.append(
            Section(
                f"The failure: bundle {r.failed_bundle}, {r.failure.location}",
                (ErrorCard.of("", r.failure),),
                "failure",
            )
        )
    return [Section("Execution", tuple(blocks), "bundles")]


def _rollback(r: ApplyResult, gates: Sequence[GateRecord]) -> Section:
    if r.failed_bundle is None:
        return Section(
            "Rollback",
            (Text("Not needed: nothing failed." if not r.dry_run and not r.nothing_to_do else "Not needed."),),
            "rollback",
        )
    if r.on_failure == "stop":
        return Section(
            "Rollback",
            (
                Text(
                    "Skipped (--on-failure stop): the bundles applied by this run are left in "
                    "place, and the ledger records them."
                ),
            ),
            "rollback",
        )
    blocks: list[Block] = [
        Text(f"Rolled back, in reverse order: {', '.join(r.rolled_back) or 'nothing'}."),
        Text(f"Production equals probe-before: **{yes_no(r.equals_probe_before)}**"),
    ]
    blocks += [
        Section(f"Rollback of bundle {b.id} failed", (ErrorCard.of("", b.rollback_error),))
        for b in r.bundles
        if b.rollback_error is not None
    ]
    if r.manual_repair:
        gate = next((g for g in reversed(gates) if g.name == "rollback"), None)
        left = [c for c in getattr(gate.details if gate else None, "difference", ()) if isinstance(c, ObjectChange)]
        said = {c.line for c in left}  # the difference, as its own lines: shown as the diff below
        blocks.append(Text("**Manual repair required.** What differs from probe-before, and where to start:"))
        if steps := [x for x in r.manual_repair if x not in said][:200]:
            blocks.append(Code(tuple(steps)))
        if left:
            blocks.append(Diff("", "run.json, gate rollback", tuple(left)))
        blocks.append(
            Text(
                "The sidecars above hold each replaced object's definition before the change; the "
                "backup above holds everything."
            )
        )
    return Section("Rollback", tuple(blocks), "rollback")


def _changes(gates: Sequence[GateRecord]) -> list[Block]:
    """probe-before → probe-after, as the probe-after gate recorded it (every change in probes/diff.txt)."""
    after = next((g for g in reversed(gates) if g.name == "probe-after"), None)
    d = after.details if after is not None else None
    if not isinstance(d, ProbeGate) or d.compared_with is None:
        return []
    return [
        Section(
            "What changed (probe-before → probe-after)",
            (Diff("", "probes/diff.txt", d.changes, d.notes, d.changes_total),),
            "differences",
        )
    ]


def apply_report(
    r: ApplyResult, gates: Sequence[GateRecord], pkg: Package, findings: Sequence[Finding], error: BaseException | None
) -> Report:
    status = _status(r, gates)
    head: list[Block] = [Text(status)]
    if error is not None:
        head.append(Text("Stopped: " + stopped(error)))
    head.append(Text(f"Run `{r.run_id}`, package hash `{r.package_hash}`, {r.seconds:.1f} s."))
    blocks: list[Block] = [Text(pkg.description)] if pkg.description else []
    blocks += [Section("Status", tuple(head), "status"), gate_list(gates), *_backup(r)]
    if r.sidecars:
        blocks.append(sidecars_section(r.sidecars))
    blocks += [_integrity(r, gates, pkg, findings), *_execution(r), _rollback(r, gates)]
    if r.verify:
        blocks.append(
            Table.of(
                "Verify",
                ("check", "expected", "actual", "result"),
                [(f"{c.kind} `{c.name}`", c.expected, c.actual, "PASS" if c.ok else "FAIL") for c in r.verify],
                ["PASS" if c.ok else "FAIL" for c in r.verify],
            )
        )
    blocks += _changes(gates)
    if r.reasons:
        blocks.append(Section("Why", (Bullets(r.reasons),), "why"))
    return Report(
        f"pgwarden apply: {r.package}: {r.verdict}", r.package, r.verdict.value, tuple(blocks), status, r.reasons
    )
