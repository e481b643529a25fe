"""How a :class:`~pgwarden.check.CheckResult` reads: SUMMARY.md in the style of seed 000, and the
terminal output (a rich table on a terminal, one ``file:line:col`` line per finding otherwise)."""

from __future__ import annotations

import io
import shutil
import sys
from typing import TYPE_CHECKING

from pgwarden.errors import PgwardenError
from pgwarden.findings import Finding
from pgwarden.kit import md_table

if TYPE_CHECKING:
    from pgwarden.check import BundleReport, CheckResult


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"


def _txn_line(b: BundleReport) -> str:
    tags = []
    if not b.atomic:
        tags.append("non-atomic: transaction = false")
    if b.irreversible:
        tags.append(f"irreversible: {b.rollback_reason}")
    tag = f" [{'; '.join(tags)}]" if tags else ""
    return (f"TXN-{b.order}: Bundle {b.id} — {b.title}{tag} ({b.statements} statement(s): {_kinds(b.kinds)})")


def _exclusions(r: CheckResult) -> list[str]:
    """The "No … was included" sentences of seed 000, one per policy entry, with the evidence."""
    out = []
    by_rule: dict[str, list[str]] = {}
    for f in r.findings:
        if f.severity == "error":
            key = f"{f.rule}|{f.facts.get('pattern') or f.facts.get('entry') or f.facts.get('kind') or ''}"
            by_rule.setdefault(key, []).append(f"{f.location} (bundle {f.bundle})")
    for pattern in r.policy.forbid_calls:
        hits = by_rule.get(f"policy.forbid_calls|{pattern}")
        out.append(f"FOUND {len(hits)} call(s) matching `{pattern}`: {', '.join(hits)}." if hits else
                   f"No call matching `{pattern}` was included outside rollback-only probes "
                   "(statements, DO blocks and function bodies checked).")
    for table in r.policy.protected_tables:
        hits = by_rule.get(f"policy.protected_table|{table}")
        out.append(f"FOUND {len(hits)} write(s) to protected table `{table}`: {', '.join(hits)}." if hits else
                   f"No INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM on `{table}` was included outside "
                   "rollback-only probes.")
    if r.policy.forbid:
        hits = [h for k, v in by_rule.items() if k.startswith("policy.forbid|") for h in v]
        kinds = ", ".join(r.policy.forbid)
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


def summary_md(r: CheckResult, error: PgwardenError | None = None) -> str:
    lines = [f"# pgwarden check: {r.package}", ""]
    if r.description:
        lines += [r.description, ""]
    lines += [f"Verdict: **{r.verdict}** — {r.errors} error(s), {r.warnings} warning(s).", "",
              f"Package: `{r.root}`", ""]
    if error is not None:
        lines += ["## Stopped", "", f"{error.message}", ""] + [f"- {d}" for d in error.details] + [""]
    failing = [b.id for b in r.bundles if b.errors]
    passing = [b.id for b in r.bundles if not b.errors]
    lines += ["## Command integrity", "", "Status", ""]
    status = f"Integrity PASS: `pgwarden.sum` pins {len(r.files)} file(s) and every hash matches."
    if failing:
        status += f" Policy FAIL for {', '.join(failing)}" + (f"; PASS for {', '.join(passing)}." if passing else ".")
    else:
        status += f" Policy PASS for {', '.join(passing)} and locked order."
    lines += [status, "", "Locked execution order:", ""]
    lines += [f"- {_txn_line(b)}" for b in r.bundles] + [""]
    irreversible = [b for b in r.bundles if b.irreversible]
    if irreversible:
        lines += ["Irreversible bundles (rollback = \"none\"):", ""]
        lines += [f"- Bundle {b.id}: {b.rollback_reason}" for b in irreversible] + [""]
    lines += ["What was not included:", ""] + [f"- {s}" for s in _exclusions(r)] + [""]
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
    return "\n".join(lines).rstrip() + "\n"


def render(r: CheckResult) -> str:
    """Terminal output: rich tables on a TTY, grep-friendly lines otherwise."""
    if sys.stdout.isatty():
        return _render_rich(r)
    out = [f"pgwarden check: {r.package}: {r.verdict} ({r.errors} error(s), {r.warnings} warning(s))"]
    out += [f"  {_txn_line(b)}" for b in r.bundles]
    for f in r.findings:
        where = f" [bundle {f.bundle}]" if f.bundle else ""
        out.append(f"{f.location}: {f.severity}: {f.rule}{where}: {f.message}")
        if f.statement:
            out.append(f"    {f.statement}")
        out += _preflight_lines(f)
    if r.kit:
        out.append(f"evidence kit: {r.kit}")
    return "\n".join(out)


def _preflight_lines(f: Finding) -> list[str]:
    """What an operator needs to act on a predicted refusal: SQLSTATE, HINT, the live facts, the fix."""
    out = []
    if f.sqlstate:
        out.append(f"    SQLSTATE {f.sqlstate}")
    if f.hint:
        out.append(f"    HINT: {f.hint}")
    for key in ("identity_args", "full_args", "body_md5", "body_len", "prosecdef", "proconfig"):
        if key in f.facts:
            out.append(f"    live {key}: {f.facts[key]}")
    if f.fix:
        out.append(f"    fix: {f.fix}")
    return out


def _render_rich(r: CheckResult) -> str:
    from rich.console import Console  # imported here: rich is only needed on a terminal
    from rich.table import Table
    from rich.text import Text  # cells are plain text: "[policy]" in a message is not markup

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, highlight=False,
                      width=shutil.get_terminal_size((120, 40)).columns)
    order = Table(title=f"{r.package}: locked order", show_lines=False)
    for col in ("TXN", "bundle", "title", "statements", "kinds", "notes"):
        order.add_column(col)
    for b in r.bundles:
        notes = ", ".join(x for x in ("non-atomic" if not b.atomic else "",
                                      "irreversible" if b.irreversible else "") if x)
        order.add_row(*(Text(x) for x in (f"TXN-{b.order}", b.id, b.title, str(b.statements), _kinds(b.kinds),
                                           notes)))
    console.print(order)
    if r.findings:
        table = Table(title="findings", show_lines=True)
        for col in ("location", "rule", "bundle", "statement", "why"):
            table.add_column(col, overflow="fold")
        for f in r.findings:
            style = "red" if f.severity == "error" else "yellow"
            why = "\n".join([f.message, *(line.strip() for line in _preflight_lines(f))])
            table.add_row(Text(f.location), Text(f.rule, style=style), Text(f.bundle or ""), Text(f.statement),
                          Text(why))
        console.print(table)
    colour = "green" if r.verdict == "PASS" else "red"
    console.print(f"[bold {colour}]{r.verdict}[/]: {r.errors} error(s), {r.warnings} warning(s)"
                  + (f"; evidence kit: {r.kit}" if r.kit else ""))
    return buf.getvalue().rstrip("\n")
