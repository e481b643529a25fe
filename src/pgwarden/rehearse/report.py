"""SUMMARY.md of ``pgwarden rehearse``: one row per bundle and step (✅/❌), every finding with its exact
fingerprint difference, the clone's identity and isolation, the lint findings beside, and time per step."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.errors import PgwardenError
from pgwarden.evidence.gates import GateRecord
from pgwarden.evidence.markdown import md_table
from pgwarden.package.manifest import Package
from pgwarden.rehearse.results import RehearseResult
from pgwarden.rehearse.rounds import Step, StepStatus
from pgwarden.textsafe import block, one_line

_MARK = {StepStatus.PASS: "✅", StepStatus.FAIL: "❌", StepStatus.SKIPPED: "—"}
_ORDER = (Step.APPLY, Step.PROBE, Step.ROLLBACK, Step.REAPPLY)


def summary_md(r: RehearseResult, gates: Sequence[GateRecord], pkg: Package, error: BaseException | None) -> str:
    # Names and server messages are someone else's text: one visible line each.
    lines = [f"# pgwarden rehearse: {one_line(r.package)}: {r.verdict}", ""]
    if error is not None:
        lines += ["Stopped: " + one_line(error.message if isinstance(error, PgwardenError) else
                                         f"{type(error).__name__}: {error}"), ""]
    n = len(r.findings)
    lines += [f"{len(r.rehearsed)} bundle(s) rehearsed on a throwaway clone, {n} finding(s); "
              f"{r.fingerprints} fingerprints, {r.seconds:.1f} s. The target was only read.", ""]
    if r.already_applied:
        lines += [f"Already applied on the target (the starting state, not rehearsed again): "
                  f"{', '.join(r.already_applied)}.", ""]
    lines += ["## Gates", "", md_table(("gate", "status", "seconds", "why"),
                                       [(g.name, g.status, f"{g.seconds:.3f}", g.reason or "") for g in gates])]
    if r.clone is not None:
        c = r.clone
        iso = c.instance.isolation
        lines += ["## Clone", "", md_table(("field", "value"), [
            ("kind", c.kind), ("source", c.source), ("database", c.database),
            ("instance", f"{c.instance.path} (PostgreSQL {c.instance.version}, system_identifier "
                         f"{c.instance.system_identifier})"),
            ("isolation", f"{iso.method}: {iso.note} (OS user {iso.os_user})"),
            ("roles created (NOLOGIN)", ", ".join(c.roles_created) or "none"),
            ("dump", f"{c.dump_bytes:,} bytes, sha256 {c.dump_sha256}"),
            ("restore errors", ", ".join(f"{e.cls}: {e.reason}" for e in c.restore_errors) or "none"),
            ("time", ", ".join(f"{k} {v:.2f} s" for k, v in c.seconds.items()))])]
    by = {(s.bundle, s.step): s for s in r.steps}
    rows: list[tuple[str, ...]] = []
    for bid in (*r.rehearsed, *(f.bundle for f in r.findings if f.bundle and f.bundle not in r.rehearsed)):
        if any(row[0] == bid for row in rows):
            continue
        cells = []
        for step in _ORDER:
            s = by.get((bid, step))
            cells.append(f"{_MARK[s.status]} {s.seconds:.3f} s" if s else "—")
        rows.append((bid, *cells))
    if rows:
        lines += ["## Bundles", "", md_table(("bundle", "apply", "probes", "rollback → F(k-1)", "re-apply → F(k)"),
                                             rows)]
    for step in (Step.VERIFY, Step.FULL_REVERSE):
        s = by.get((None, step))
        if s is not None:
            lines += [one_line(f"- {step}: {_MARK[s.status]} {s.note}".rstrip())]
    lines.append("")
    if r.unproven:
        lines += ["## Unproven", "", f"Forward-only (rollback = \"none\"): {', '.join(r.unproven)}. Each applies "
                  "on the clone, but has no rollback to prove: if it fails in production, the way back is the "
                  "backup taken at apply's gate 5.", ""]
    lines += ["## Findings", ""]
    if not r.findings:
        lines += ["None: every bundle applies, every rollback restores the state before its bundle, every bundle "
                  "applies again, and the full reverse chain returns to F(0).", ""]
    for i, f in enumerate(r.findings, 1):
        lines += [one_line(f"{i}. **{f.bundle or 'package'}, {f.step}**: {f.message}")]
        if f.error is not None:
            lines += ["", "   ```", *(f"   {one_line(x)}" for x in f.error.lines()), "   ```"]
        if f.difference:
            lines += ["", "   ```", *(f"   {one_line(x)}" for x in f.difference[:50]), "   ```"]
        lines.append("")
    if r.lint:
        lines += ["## Lint findings (beside the rehearsal)", "", md_table(
            ("rule", "severity", "where", "why"), [(f.rule, f.severity, f.location, f.message) for f in r.lint])]
    return block("\n".join(lines).rstrip() + "\n")  # and nothing else raw: no control character, no bidi
