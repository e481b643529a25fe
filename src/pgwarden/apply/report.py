"""SUMMARY.md of ``pgwarden apply``, laid out like seed 000's report: status, backup evidence, sidecars,
command integrity with the locked order TXN-1…n and what was not included, execution, rollback."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.apply.execute import BundleOutcome, ServerError
from pgwarden.apply.results import ApplyResult
from pgwarden.errors import PgwardenError
from pgwarden.evidence.gates import GateRecord, GateStatus, Verdict
from pgwarden.evidence.markdown import md_table, yes_no
from pgwarden.findings import Finding
from pgwarden.package.check_report import exclusions
from pgwarden.package.manifest import Package
from pgwarden.preflight.sidecars import sidecars_md
from pgwarden.textsafe import block, one_line

_MARK = {BundleOutcome.APPLIED: "✅ applied", BundleOutcome.ALREADY_APPLIED: "✅ applied by an earlier run",
         BundleOutcome.FAILED: "❌ failed", BundleOutcome.PROBE_FAILED: "❌ applied, probe failed",
         BundleOutcome.IN_DOUBT: "⚠️ in doubt", BundleOutcome.ROLLED_BACK: "↩️ rolled back",
         BundleOutcome.ROLLBACK_FAILED: "❌ rollback failed", BundleOutcome.NOT_REACHED: "— not reached"}


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
            parts.append(f"Rolled back {', '.join(r.rolled_back)} with package-approved rollback statements; "
                         f"production equals probe-before: {yes_no(r.equals_probe_before)}.")
    if r.manual_repair:
        parts.append("**Manual repair required** (see Rollback).")
    if r.verdict == Verdict.PASS and not r.dry_run:
        parts.append(f"Applied {', '.join(b.id for b in r.bundles if b.outcome == BundleOutcome.APPLIED)}.")
    return " ".join(parts)


def _error_block(e: ServerError) -> list[str]:
    return ["```", *(one_line(x) for x in e.lines()), "```", ""]  # the server's text: one visible line each


def summary_md(r: ApplyResult, gates: Sequence[GateRecord], pkg: Package, findings: Sequence[Finding],
               error: BaseException | None) -> str:
    # Names, titles, reasons and server messages are someone else's text: one visible line each.
    lines = [f"# pgwarden apply: {one_line(r.package)}: {r.verdict}", ""]
    if pkg.description:
        lines += [one_line(pkg.description), ""]
    lines += ["## Status", "", one_line(_status(r, gates)), ""]
    if error is not None:
        msg = error.message if isinstance(error, PgwardenError) else f"{type(error).__name__}: {error}"
        lines += ["Stopped: " + one_line(msg), ""]
    lines += [f"Run `{r.run_id}`, package hash `{r.package_hash}`, {r.seconds:.1f} s.", "",
              "## Gates", "", md_table(("#", "gate", "status", "seconds", "why"),
                                       [(i, g.name, g.status, f"{g.seconds:.3f}", g.reason or "")
                                        for i, g in enumerate(gates, 1)])]
    if r.backup is not None:
        lines += ["## Backup evidence", ""]
        if r.backup.waived:
            lines += ["No backup was taken by this run (--no-backup). The operator's backup: sha256 "
                      f"`{r.backup.sha256}`.", ""]
        else:
            rows = [("Backup path", r.backup.dump), ("SHA256", r.backup.sha256),
                    ("Size", f"{r.backup.bytes:,} bytes" if r.backup.bytes is not None else "—"),
                    ("TOC entries", r.backup.toc_entries), ("Backup kit", r.backup.kit)]
            lines += [md_table(("Field", "Value"), rows), "pg_restore -l header:", "",
                      md_table(("Field", "Value"), list(r.backup.header.items()))]
    if r.sidecars:
        lines += [sidecars_md(r.sidecars).rstrip(), ""]
    lines += ["## Command integrity", "", "Locked execution order:", ""]
    states = {bp.id: bp.state for bp in r.plan}
    for i, mb in enumerate(pkg.bundles, 1):
        tags = [t for t in ("non-atomic: transaction = false" if not mb.transaction else "",
                            "irreversible" if mb.irreversible else "",
                            f"ledger: {states[mb.id]}" if states.get(mb.id) else "") if t]
        lines.append(one_line(f"- TXN-{i}: Bundle {mb.id} — {mb.title}" + (f" [{'; '.join(tags)}]" if tags else "")))
    integrity = next((g for g in gates if g.name == "integrity"), None)
    if integrity is not None and integrity.status != GateStatus.SKIPPED:
        lines += ["", "What was not included:", ""] + [f"- {one_line(x)}" for x in exclusions(findings, pkg.policy)]
    lines.append("")
    if r.bundles:
        lines += ["## Execution", "", md_table(
            ("order", "bundle", "title", "outcome", "attempts", "seconds"),
            [(f"TXN-{b.order}", b.id, b.title, _MARK[b.outcome], len(b.attempts),
              f"{sum(a.seconds for a in b.attempts):.3f}") for b in r.bundles])]
        for b in r.bundles:
            retried = [a for a in b.attempts if a.error is not None and a is not b.attempts[-1]]
            for a in retried:
                lines += [one_line(f"Bundle {b.id}, attempt {a.number}: {a.outcome} "
                                   f"({a.error.message if a.error else ''}); retried whole."), ""]
            for p in b.probes:
                lines += [one_line(f"- Rollback-only probe `{p.name}` after {p.after}: expected {p.expected}, got "
                                   f"{p.actual}: {'PASS' if p.ok else 'FAIL'} (rolled back"
                                   + (f"; it advanced sequence {', '.join(p.advanced)}, which a rollback does "
                                      "not undo" if p.advanced else "") + ")")]
            if b.probes:
                lines.append("")
        if r.failure is not None:
            lines += [one_line(f"### The failure: bundle {r.failed_bundle}, {r.failure.location}"), "",
                      *_error_block(r.failure)]
    lines += ["## Rollback", ""]
    if r.failed_bundle is None:
        lines += ["Not needed: nothing failed." if not r.dry_run and not r.nothing_to_do else "Not needed.", ""]
    elif r.on_failure == "stop":
        lines += ["Skipped (--on-failure stop): the bundles applied by this run are left in place, and the ledger "
                  "records them.", ""]
    else:
        lines += [f"Rolled back, in reverse order: {', '.join(r.rolled_back) or 'nothing'}.", "",
                  f"Production equals probe-before: **{yes_no(r.equals_probe_before)}**", ""]
        for b in r.bundles:
            if b.rollback_error is not None:
                lines += [f"### Rollback of bundle {b.id} failed", "", *_error_block(b.rollback_error)]
        if r.manual_repair:
            lines += ["**Manual repair required.** What differs from probe-before, and where to start:", "", "```",
                      *(one_line(x) for x in r.manual_repair[:200]), "```", "",
                      "The sidecars above hold each replaced object's definition before the change; the backup "
                      "above holds everything.", ""]
    if r.verify:
        lines += ["## Verify", "", md_table(("check", "expected", "actual", "result"),
                                            [(f"{c.kind} `{c.name}`", c.expected, c.actual, "PASS" if c.ok else "FAIL")
                                             for c in r.verify])]
    if r.changes:
        lines += ["## What changed (probe-before → probe-after)", "", "```", *(one_line(x) for x in r.changes[:300]),
                  "```", ""]
    if r.reasons:
        lines += ["## Why", ""] + [f"- {one_line(x)}" for x in r.reasons] + [""]
    return block("\n".join(lines).rstrip() + "\n")  # and nothing else raw: no control character, no bidi
