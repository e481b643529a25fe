"""How a :class:`~pgwarden.check.results.CheckResult` reads: its report (SUMMARY.md, report.html), in the style
of seed 000."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.check.results import BundleReport, CheckResult
from pgwarden.errors import PgwardenError
from pgwarden.evidence.blocks import Block, Bullets, Facts, Findings, Report, Section, Table, Text
from pgwarden.evidence.render_md import render_md
from pgwarden.findings import Finding
from pgwarden.package.manifest import Policy
from pgwarden.rules import Rule


def kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"


def txn_line(b: BundleReport) -> str:
    tags = []
    if not b.atomic:
        tags.append("non-atomic: transaction = false")
    if b.irreversible:
        tags.append(f"irreversible: {b.rollback_reason}")
    tag = f" [{'; '.join(tags)}]" if tags else ""
    return f"TXN-{b.order}: Bundle {b.id} — {b.title}{tag} ({b.statements} statement(s): {kinds_text(b.kinds)})"


def _exclusions(r: CheckResult) -> list[str]:
    return exclusions(r.findings, r.policy)


def exclusions(findings: Sequence[Finding], policy: Policy) -> list[str]:
    """The "No … was included" sentences of seed 000, one per policy entry, with the evidence."""
    by_rule: dict[tuple[Rule, str], list[str]] = {}  # (rule, the policy entry it matched) -> where
    for f in findings:
        if f.is_error:
            key = (f.rule, str(f.facts.get("pattern") or f.facts.get("entry") or f.facts.get("kind") or ""))
            by_rule.setdefault(key, []).append(f"{f.location} (bundle {f.bundle})")

    def hits(*rules: Rule) -> list[str]:
        return [h for (rule, _e), v in by_rule.items() if rule in rules for h in v]

    out = [
        _found(
            by_rule.get((Rule.POLICY_FORBID_CALLS, pattern)),
            f"call(s) matching `{pattern}`",
            f"No call matching `{pattern}` was included outside rollback-only probes "
            "(statements, DO blocks and function bodies checked).",
        )
        for pattern in policy.forbid_calls
    ]
    out += [
        _found(
            by_rule.get((Rule.POLICY_PROTECTED_TABLE, table)),
            f"write(s) to protected table `{table}`",
            f"No INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM on `{table}` was included outside rollback-only probes.",
        )
        for table in policy.protected_tables
    ]
    if policy.forbid:
        kinds = ", ".join(policy.forbid)
        out.append(
            _found(
                hits(Rule.POLICY_FORBID),
                f"forbidden statement(s) ({kinds})",
                f"No forbidden statement kind ({kinds}) was included in any bundle.",
            )
        )
    out.append(
        _found(
            hits(Rule.TXN_CONTROL, Rule.META_COMMAND),
            "transaction-control statement(s) or psql meta-command(s)",
            "No transaction control and no psql meta-command was included in any bundle.",
        )
    )
    out.append(
        _found(
            hits(Rule.ROLLBACK_SCOPE),
            "rollback statement(s) that drop what their bundle did not create",
            "Every rollback drops or reverts only what its own bundle creates or changes.",
        )
    )
    return out


def _found(hits: list[str] | None, what: str, none: str) -> str:
    """ "FOUND 2 <what>: <where>, <where>." when there are hits, else the sentence that says there is none."""
    return f"FOUND {len(hits)} {what}: {', '.join(hits)}." if hits else none


def check_report(r: CheckResult, error: BaseException | None = None) -> Report:
    """The report of a check: its verdict, command integrity, findings, files, statements and live checks."""
    lead = f"Verdict: **{r.verdict}** — {r.errors} error(s), {r.warnings} warning(s)."
    blocks: list[Block] = [Text(r.description)] if r.description else []
    blocks += [Text(lead), Text(f"Package: `{r.root}`")]
    if error is not None:
        details = error.details if isinstance(error, PgwardenError) else ()
        message = error.message if isinstance(error, PgwardenError) else f"stopped by {type(error).__name__}: {error}"
        blocks.append(Section("Stopped", (Text(message), *([Bullets(tuple(details))] if details else [])), "stopped"))
    failing = [b.id for b in r.bundles if b.errors]
    passing = [b.id for b in r.bundles if not b.errors]
    status = f"Integrity PASS: `pgwarden.sum` pins {len(r.files)} file(s) and every hash matches."
    if failing:
        status += f" Policy FAIL for {', '.join(failing)}" + (f"; PASS for {', '.join(passing)}." if passing else ".")
    else:
        status += f" Policy PASS for {', '.join(passing)} and locked order."
    integrity: list[Block] = [
        Text("Status"),
        Text(status),
        Text("Locked execution order:"),
        Bullets(tuple(txn_line(b) for b in r.bundles)),
    ]
    irreversible = [b for b in r.bundles if b.irreversible]
    if irreversible:
        integrity += [
            Text('Irreversible bundles (rollback = "none"):'),
            Bullets(tuple(f"Bundle {b.id}: {b.rollback_reason}" for b in irreversible)),
        ]
    integrity += [Text("What was not included:"), Bullets(tuple(_exclusions(r)))]
    if r.probes:
        integrity.append(
            Text(f"Rollback-only probes: {len(r.probes)}; each runs after its bundle and is always rolled back.")
        )
    blocks += [
        Section("Command integrity", tuple(integrity), "integrity"),
        Findings("Findings", r.findings),
        Table.of(
            "Files checked",
            ["file", "role", "bundle", "sha256", "bytes", "statements", "line endings"],
            [
                (
                    f.path,
                    f.role,
                    f.bundle or "",
                    f.sha256,
                    f.bytes,
                    "" if f.statements is None else f.statements,
                    f.line_endings,
                )
                for f in r.files
            ],
        ),
    ]
    rows = []
    for b in r.bundles:
        for kind in dict.fromkeys([*b.kinds, *b.rollback_kinds]):
            rows.append((f"TXN-{b.order}", b.id, kind, b.kinds.get(kind, 0), b.rollback_kinds.get(kind, 0)))
    blocks.append(Table.of("Statements per bundle by kind", ["order", "bundle", "kind", "apply", "rollback"], rows))
    if r.probes:
        blocks.append(
            Table.of(
                "Rollback-only probes",
                ["probe", "after bundle", "expects", "statement"],
                [(p.name, p.after, p.expect, f"`{p.statement}`") for p in r.probes],
            )
        )
    if r.live:
        live: list[Block] = [Facts.of("", sorted(r.server.items()), ("server", "value"))] if r.server else []
        blocks += [Section("Live checks", tuple(live), "live"), *r.preflight_blocks]
    return Report(f"pgwarden check: {r.package}", r.package, r.verdict.value, tuple(blocks), lead)


def summary_md(r: CheckResult, error: BaseException | None = None) -> str:
    """SUMMARY.md of ``r`` (what the kit holds; for ``--no-kit``, the same made from the result)."""
    return render_md(check_report(r, error))
