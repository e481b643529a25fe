"""SUMMARY.md of ``verify-backup``, with the sections of seed 001: backup, object presence by both
methods, restore test, restore errors with class and reason, production integrity, verdict."""

from __future__ import annotations

from pathlib import Path

from pgwarden.backup.restore_errors import BENIGN
from pgwarden.backup.verify_result import VerifyResult
from pgwarden.evidence.markdown import md_table, yes_no
from pgwarden.expect.expectations import Method

_MARK = {True: "✅ present", False: "❌ missing", None: "—"}
def _backup(r: VerifyResult) -> list[str]:
    pin = r.pin
    pin_text = {"PASS": "PASS: matches " + "; ".join(pin.sources),
                "SKIPPED": "SKIPPED: not in a backup kit and no --sha256 (only the full read guards it)",
                "FAIL": "FAIL: " + "; ".join(pin.problems)}.get(pin.status, pin.status.value)
    rows: list[tuple[str, object]] = [("Dump", r.dump), ("Size", f"{r.dump_bytes:,} bytes"),
                                      ("SHA256", pin.actual or "—"), ("Pin", pin_text)]
    if r.archive is not None:
        fmt = r.header.get("Format", r.archive.format).lower()
        rows += [("Format", f"PostgreSQL {fmt} (Compression: {r.header.get('Compression', r.archive.compression)})"),
                 ("Archive version", r.archive.archive_version),
                 ("Dumped from database version", r.archive.server_version),
                 ("Dumped by pg_dump version", r.archive.pg_dump_version),
                 ("TOC entries", r.toc_entries if r.toc_entries is not None else "—")]
    if r.full_read is not None:
        fr = r.full_read
        rows.append(("Full read of the archive", f"PASS ({fr.seconds:.1f} s)" if fr.ok else
                     "FAIL: " + (fr.errors[0].reason + f" ({fr.errors[0].message})" if fr.errors
                                 else f"exit code {fr.returncode}")))
    if r.schema_sql:
        rows.append(("Schema-only dump", f"{r.schema_sql} (pg_restore --schema-only of the archive, "
                                         "\\restrict lines stripped)"))
    return ["## 1. Backup\n", md_table(("Field", "Value"), rows)]


def _presence(r: VerifyResult) -> list[str]:
    objs: dict[tuple[str, str], dict[Method, bool]] = {}
    for c in r.checks:
        if c.method in (Method.SCHEMA_DUMP, Method.INTROSPECTION):
            objs.setdefault((c.kind, c.name), {})[c.method] = c.ok
    out = ["## 2. Object presence (two independent methods)\n"]
    if objs:
        rows = [(f"`{name}`", kind, _MARK[m.get(Method.SCHEMA_DUMP)], _MARK[m.get(Method.INTROSPECTION)])
                for (kind, name), m in objs.items()]
        out.append(md_table(("Object", "Kind", "In schema dump", "In restored DB"), rows))
        missing = sum(1 for m in objs.values() if not all(m.values()) or len(m) < 2)
        out.append(f"\nobject_presence_missing = {missing}.\n")
    else:
        out.append("No object expectations were given (--expect).\n")
    comp = r.completeness
    if comp is not None:
        out.append(f"\nCompleteness: all {comp.in_dump} objects that the schema dump creates exist in the restored "
                   "database.\n" if not comp.missing else
                   f"\nCompleteness: {len(comp.missing)} of {comp.in_dump} objects of the schema dump are missing "
                   "after the restore: " + ", ".join(f"`{m}`" for m in comp.missing[:30]) + "\n")
    rowchecks = [c for c in r.checks if c.method == Method.QUERY]
    if rowchecks:
        out += ["\n### Row and value checks (restored database, read-only transactions)\n",
                md_table(("Check", "Expected", "Actual", "Result"),
                         [(f"{c.kind} `{c.name}`", c.expected, c.actual + (f": {c.error}" if c.error else ""),
                           "PASS" if c.ok else "FAIL") for c in rowchecks])]
    return out


def _restore(r: VerifyResult) -> list[str]:
    out = ["## 3. Restore test\n"]
    if r.instance is None:
        return [*out, "Performed: NO (the verification stopped before a restore target was started).\n"]
    inst = r.instance
    forbidden = ", ".join(f"{p.label} {p.system_identifier}" for p in r.protected)
    if r.production:
        forbidden = f"production {r.production.system_identifier}" + (f", {forbidden}" if forbidden else "")
    run = r.restore
    ok = run is not None and not [e for e in run.errors if e.cls != BENIGN]
    created = [f"{x.name} ({' '.join(x.attributes)}; {x.note})" for x in r.roles if x.created]
    rows: list[tuple[str, object]] = [
        ("Performed", "YES: result " + ("PASS" if ok and not r.reasons else "FAIL") if run else
         "NO: the full read failed, so nothing was restored"),
        ("Restore server", r.server_choice or "—"),
        ("pg_restore", (r.restore_binaries or "—") + (f"; {' '.join(run.argv[1:-1])}" if run else "")),
        ("Instance", f"{inst.path} (run as {inst.run_as}, ready in {inst.ready_seconds} s)"),
        ("Published TCP port", "none (unix socket only)" if not inst.tcp_listening else "LISTENING"),
        ("Isolation", f"{inst.isolation.method}: {inst.isolation.note} (OS user {inst.isolation.os_user})"),
        ("system_identifier", f"{inst.system_identifier}" + (f" (distinct from {forbidden})" if forbidden
                                                                else "")),
        ("Database", r.database or "—"),
        ("Roles created (NOLOGIN)", ", ".join(created) or "none needed"),
    ]
    if run is not None:
        n = sum(e.occurrences for e in run.errors)
        rows += [("pg_restore exit code", f"{run.returncode} (not trusted: graded by evidence, see §4)"),
                 ("pg_restore error lines", f"{n} (pg_restore itself reported "
                                            f"{run.reported_errors if run.reported_errors is not None else 0})"),
                 ("Restore time", f"{run.seconds:.1f} s")]
    rows.append(("Teardown", yes_no(r.teardown, "instance removed", "NOT removed")))
    for p in r.protected:
        rows.append((f"Protected: {p.label}", f"{p.dsn}: distinct {yes_no(p.distinct_from_instance)}, "
                                              f"up at the end {yes_no(p.up_at_end)}"))
    return [*out, md_table(("Field", "Value"), rows)]


def _errors(r: VerifyResult) -> list[str]:
    out = ["## 4. Restore errors, classified\n"]
    errs = list(r.restore_errors) + (list(r.full_read.errors) if r.full_read else [])
    if not errs:
        return [*out, "None: pg_restore reported no errors.\n"]
    rows = [(e.cls, e.reason, e.message, (e.command or "").splitlines()[0][:120] if e.command else "",
             e.occurrences) for e in errs]
    return [*out, md_table(("Class", "Reason", "Error", "Statement", "Times"), rows),
            "\nbenign: listed and explained, does not fail the verification; degraded or fatal: FAIL.\n"]


def _production(r: VerifyResult) -> list[str]:
    out = ["## 5. Production integrity\n"]
    p = r.production
    if p is None:
        return [*out, "Not checked: no --dsn was given.\n"]
    out.append(f"- Read-only probe taken before and after all backup/restore activity: `{p.before}`, "
               f"`{p.after}`.\n- diff(before, after) = {'IDENTICAL' if p.untouched else 'DIFFERENT'} "
               f"(production untouched: {yes_no(p.untouched)}).\n")
    out += [f"- note: {n}\n" for n in p.notes]
    if p.diff:
        out += ["\n```\n", "\n".join(p.diff[:200]), "\n```\n"]
    return out


def render_summary(r: VerifyResult) -> str:
    parts = [f"# pgwarden verify-backup: {r.verdict}\n", f"Dump: `{r.dump}`  \nKit: `{Path(r.kit).name}`  "
             f"\nDuration: {r.seconds:.1f} s\n"]
    for section in (_backup, _presence, _restore, _errors, _production):
        parts += section(r)
        parts.append("")
    parts.append("## 6. Backup verification status\n")
    parts.append(f"backup_verification_status = {r.verdict}\n")
    parts += [f"- {reason}" for reason in r.reasons] or ["- Pinned, read in full, restored into an isolated "
                                                         "port-less instance, every expectation held."]
    return "\n".join(parts) + "\n"
