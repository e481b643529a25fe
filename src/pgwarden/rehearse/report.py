"""The report of ``pgwarden rehearse``: one row per bundle and step (✅/❌), every finding with the server's error
and its exact fingerprint difference, the clone's identity and isolation, the lint findings beside, and time per
step."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.evidence.blocks import Block, Bullets, Diff, ErrorCard, Facts, Findings, Report, Section, Table, Text
from pgwarden.evidence.gates import GateRecord, GateStatus, gate_list, stopped
from pgwarden.package.manifest import Package
from pgwarden.rehearse.results import RehearseResult
from pgwarden.rehearse.rounds import Step

_MARK = {GateStatus.PASS: "✅", GateStatus.FAIL: "❌", GateStatus.SKIPPED: "—"}
_ORDER = (Step.APPLY, Step.PROBE, Step.ROLLBACK, Step.REAPPLY)


def _clone(r: RehearseResult) -> list[Block]:
    if r.clone is None:
        return []
    c = r.clone
    iso = c.instance.isolation
    return [
        Facts.of(
            "Clone",
            [
                ("kind", c.kind),
                ("source", c.source),
                ("database", c.database),
                (
                    "instance",
                    f"{c.instance.path} (PostgreSQL {c.instance.version}, system_identifier "
                    f"{c.instance.system_identifier})",
                ),
                ("isolation", f"{iso.method}: {iso.note} (OS user {iso.os_user})"),
                ("roles created (NOLOGIN)", ", ".join(c.roles_created) or "none"),
                ("dump", f"{c.dump_bytes:,} bytes, sha256 {c.dump_sha256}"),
                ("restore errors", ", ".join(f"{e.cls}: {e.reason}" for e in c.restore_errors) or "none"),
                ("time", ", ".join(f"{k} {v:.2f} s" for k, v in c.seconds.items())),
            ],
            ("field", "value"),
        )
    ]


def _bundles(r: RehearseResult) -> list[Block]:
    by = {(s.bundle, s.step): s for s in r.steps}
    rows: list[tuple[str, ...]] = []
    status: list[str] = []
    for bid in (*r.rehearsed, *(f.bundle for f in r.findings if f.bundle and f.bundle not in r.rehearsed)):
        if any(row[0] == bid for row in rows):
            continue
        steps = [by.get((bid, step)) for step in _ORDER]
        rows.append((bid, *(f"{_MARK[s.status]} {s.seconds:.3f} s" if s else "—" for s in steps)))
        status.append("FAIL" if any(s and s.status == GateStatus.FAIL for s in steps) else "PASS")
    blocks: list[Block] = []
    if rows:
        blocks.append(
            Table.of("Bundles", ("bundle", "apply", "probes", "rollback → F(k-1)", "re-apply → F(k)"), rows, status)
        )
    package = [s for step in (Step.VERIFY, Step.FULL_REVERSE) if (s := by.get((None, step))) is not None]
    if package:
        blocks.append(Bullets(tuple(f"{s.step}: {_MARK[s.status]} {s.note}".rstrip() for s in package)))
    return blocks


def _findings(r: RehearseResult) -> Section:
    if not r.findings:
        return Section(
            "Findings",
            (
                Text(
                    "None: every bundle applies, every rollback restores the state before its "
                    "bundle, every bundle applies again, and the full reverse chain returns to "
                    "F(0)."
                ),
            ),
            "findings",
        )
    blocks: list[Block] = []
    for i, f in enumerate(r.findings, 1):
        inner: list[Block] = [Text(f.message)]
        if f.error is not None:
            inner.append(ErrorCard.of("", f.error))
        if f.difference:
            inner.append(Diff("", "run.json, gate rehearsal", f.difference[:50], total=len(f.difference)))
        blocks.append(Section(f"{i}. {f.bundle or 'package'}, {f.step}", tuple(inner), "failure" if i == 1 else ""))
    return Section("Findings", tuple(blocks), "findings")


def rehearse_report(
    r: RehearseResult, gates: Sequence[GateRecord], pkg: Package, error: BaseException | None
) -> Report:
    blocks: list[Block] = [Text("Stopped: " + stopped(error))] if error is not None else []
    lead = (
        f"{len(r.rehearsed)} bundle(s) rehearsed on a throwaway clone, {len(r.findings)} finding(s); "
        f"{r.fingerprints} fingerprints, {r.seconds:.1f} s. The target was only read."
    )
    blocks.append(Text(lead))
    if r.already_applied:
        blocks.append(
            Text(
                f"Already applied on the target (the starting state, not rehearsed again): "
                f"{', '.join(r.already_applied)}."
            )
        )
    blocks += [gate_list(gates), *_clone(r), *_bundles(r)]
    if r.unproven:
        blocks.append(
            Section(
                "Unproven",
                (
                    Text(
                        f'Forward-only (rollback = "none"): {", ".join(r.unproven)}. Each applies on the clone, '
                        "but has no rollback to prove: if it fails in production, the way back is the backup taken at "
                        "apply's gate 5."
                    ),
                ),
                "unproven",
            )
        )
    blocks.append(_findings(r))
    if r.lint:
        blocks.append(Findings("Lint findings (beside the rehearsal)", r.lint))
    reasons = tuple(f"{f.bundle or 'package'}, {f.step}: {f.message}" for f in r.findings)
    return Report(
        f"pgwarden rehearse: {r.package}: {r.verdict}", r.package, r.verdict.value, tuple(blocks), lead, reasons
    )
