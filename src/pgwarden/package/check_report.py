"""How a :class:`~pgwarden.package.check_result.CheckResult` reads in SUMMARY.md, in the style of seed 000."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.errors import PgwardenError
from pgwarden.evidence.markdown import md_table
from pgwarden.findings import Finding
from pgwarden.package.check_result import BundleReport, CheckResult
from pgwarden.package.manifest import Policy
from pgwarden.textsafe import block, one_line


def kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"


def txn_line(b: BundleReport) -> str:
    tags = []
    if not b.atomic:
        tags.append("non-atomic: transaction = false")
    if b.irreversible:
        tags.append(f"irreversible: {b.rollback_reason}")
    tag = f" [{'; '.join(tags)}]" if tags else ""
    return (f"TXN-{b.order}: Bundle {b.id} — {b.title}{tag} ({b.statements} statement(s): {kinds_text(b.kinds)})")


def _exclusions(r: CheckResult) -> list[str]:
    return exclusions(r.findings, r.policy)


def exclusions(findings: Sequence[Finding], policy: Policy) -> list[str]:
    """The "No … was included" sentences of seed 000, one per policy entry, with the evidence."""
    out = []
    by_rule: dict[str, list[str]] = {}
    for f in findings:
        if f.is_error:
            key = f"{f.rule}|{f.facts.get('pattern') or f.facts.get('entry') or f.facts.get('kind') or ''}"
            by_rule.setdefault(key, []).append(f"{f.location} (bundle {f.bundle})")
    for pattern in policy.forbid_calls:
        hits = by_rule.get(f"policy.forbid_calls|{pattern}")
        out.append(f"FOUND {len(hits)} call(s) matching `{pattern}`: {', '.join(hits)}." if hits else
                   f"No call matching `{pattern}` was included outside rollback-only probes "
                   "(statements, DO blocks and function bodies checked).")
    for table in policy.protected_tables:
        hits = by_rule.get(f"policy.protected_table|{table}")
        out.append(f"FOUND {len(hits)} write(s) to protected table `{table}`: {', '.join(hits)}." if hits else
                   f"No INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM on `{table}` was included outside "
                   "rollback-only probes.")
    if policy.forbid:
        hits = [h for k, v in by_rule.items() if k.startswith("policy.forbid|") for h in v]
        kinds = ", ".join(policy.forbid)
        out.append(f"FOUND {len(hits)} forbidden statement(s) ({kinds}): {', '.join(hits)}." if hits else
                   f"No forbidden statement kind ({kinds}) was included in any bundle.")
    ctl = [h for k, v in by_rule.items() if k.split("|")[0] in ("txn.control", "meta_command") for h in v]
    out.append(f"FOUND {len(ctl)} transaction-control statement(s) or psql meta-command(s): {', '.join(ctl)}."
               if ctl else "No transaction control and no psql meta-command was included in any bundle.")
    scope = [h for k, v in by_rule.items() if k.startswith("rollback.scope|") for h in v]
    out.append(f"FOUND {len(scope)} rollback statement(s) that drop what their bundle did not create: "
               f"{', '.join(scope)}." if scope else
               "Every rollback drops or reverts only what its own bundle creates or changes.")
    return out


def summary_md(r: CheckResult, error: BaseException | None = None) -> str:
    # Names, titles, reasons and messages are the package's or the server's text: one visible line each.
    lines = [f"# pgwarden check: {one_line(r.package)}", ""]
    if r.description:
        lines += [one_line(r.description), ""]
    lines += [f"Verdict: **{r.verdict}** — {r.errors} error(s), {r.warnings} warning(s).", "",
              f"Package: `{one_line(r.root)}`", ""]
    if error is not None:
        message = error.message if isinstance(error, PgwardenError) else f"stopped by {type(error).__name__}: {error}"
        details = error.details if isinstance(error, PgwardenError) else ()
        lines += ["## Stopped", "", one_line(message), ""] + [f"- {one_line(d)}" for d in details] + [""]
    failing = [b.id for b in r.bundles if b.errors]
    passing = [b.id for b in r.bundles if not b.errors]
    lines += ["## Command integrity", "", "Status", ""]
    status = f"Integrity PASS: `pgwarden.sum` pins {len(r.files)} file(s) and every hash matches."
    if failing:
        status += f" Policy FAIL for {', '.join(failing)}" + (f"; PASS for {', '.join(passing)}." if passing else ".")
    else:
        status += f" Policy PASS for {', '.join(passing)} and locked order."
    lines += [status, "", "Locked execution order:", ""]
    lines += [f"- {one_line(txn_line(b))}" for b in r.bundles] + [""]
    irreversible = [b for b in r.bundles if b.irreversible]
    if irreversible:
        lines += ["Irreversible bundles (rollback = \"none\"):", ""]
        lines += [f"- Bundle {b.id}: {one_line(b.rollback_reason)}" for b in irreversible] + [""]
    lines += ["What was not included:", ""] + [f"- {one_line(s)}" for s in _exclusions(r)] + [""]
    if r.probes:
        lines += [f"Rollback-only probes: {len(r.probes)}; each runs after its bundle and is always rolled back.",
                  ""]
    lines += ["## Findings", ""]
    if r.findings:
        lines.append(md_table(["#", "rule", "severity", "bundle", "location", "statement", "why"],
                              [(i, f.rule, f.severity, f.bundle or "", f.location, f"`{f.statement}`", f.message)
                               for i, f in enumerate(r.findings, 1)]))
    else:
        lines += ["None.", ""]
    lines += ["## Files checked", "", md_table(
        ["file", "role", "bundle", "sha256", "bytes", "statements", "line endings"],
        [(f.path, f.role, f.bundle or "", f.sha256, f.bytes, "" if f.statements is None else f.statements,
          f.line_endings) for f in r.files])]
    rows = []
    for b in r.bundles:
        for kind in dict.fromkeys([*b.kinds, *b.rollback_kinds]):
            rows.append((f"TXN-{b.order}", b.id, kind, b.kinds.get(kind, 0), b.rollback_kinds.get(kind, 0)))
    lines += ["## Statements per bundle by kind", "", md_table(["order", "bundle", "kind", "apply", "rollback"], rows)]
    if r.probes:
        lines += ["## Rollback-only probes", "", md_table(
            ["probe", "after bundle", "expects", "statement"],
            [(p.name, p.after, p.expect, f"`{p.statement}`") for p in r.probes])]
    if r.live:
        lines += ["## Live checks", ""]
        if r.server:
            lines += [md_table(["server", "value"], sorted(r.server.items()))]
        if r.preflight_summary:
            lines += [r.preflight_summary.rstrip(), ""]
    return block("\n".join(lines).rstrip() + "\n")  # and nothing else raw: no control character, no bidi
