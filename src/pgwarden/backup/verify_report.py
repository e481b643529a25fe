"""The report of ``verify-backup``, with the sections of seed 001 and more: backup (when, how old, how
guarded), restore fidelity against the source record, object presence by both methods, restore test,
restore errors with class and reason, what a single-database dump leaves out, production integrity, and
the verdict with the next step on FAIL."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pgwarden.backup.fidelity import Difference
from pgwarden.backup.restore_errors import BENIGN
from pgwarden.backup.toc import compression_meaning
from pgwarden.backup.verify_result import VerifyResult
from pgwarden.evidence.blocks import Block, Bullets, Diff, Facts, Report, Section, Table, Text
from pgwarden.evidence.gates import GateRecord, stopped
from pgwarden.evidence.markdown import yes_no
from pgwarden.expect.model import Method
from pgwarden.probe.gate import ProbeGate

_MARK = {True: "✅ present", False: "❌ missing", None: "—"}


def _uncompressed(r: VerifyResult) -> bool:
    value = r.header.get("Compression", r.archive.compression if r.archive else "")
    return value.strip() in ("0", "none")


def _age(seconds: float) -> str:
    if seconds < 0:
        return "in the future (check the clocks)"
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def _pin_text(r: VerifyResult) -> str:
    pin = r.pin
    if pin.status == "PASS":
        return "PASS: matches " + "; ".join(pin.sources)
    if pin.status == "FAIL":
        return "FAIL: " + "; ".join(pin.problems)
    if pin.status == "SKIPPED":
        if r.archive is not None and _uncompressed(r):
            return (
                "SKIPPED: no pin (not in a backup kit, no --sha256). The archive is uncompressed, so NOTHING "
                "guarded its bytes: a changed byte inside the table data restores silently as changed data"
            )
        return (
            "SKIPPED: no pin (not in a backup kit, no --sha256). The full read decompresses every data block, "
            "which catches damage inside compressed data; nothing guarded the uncompressed table of contents"
        )
    return pin.status.value


def _backup(r: VerifyResult) -> Section:
    pin = r.pin
    pin_text = _pin_text(r)
    rows: list[tuple[str, object]] = [
        ("Dump", r.dump),
        ("Size", f"{r.dump_bytes:,} bytes"),
        ("Taken at", r.backup_taken_at or "unknown"),
        ("Age at verification", _age(r.backup_age_seconds) if r.backup_age_seconds is not None else "unknown"),
        ("SHA256", pin.actual or "—"),
        ("Pin", pin_text),
    ]
    if r.archive is not None:
        fmt = r.header.get("Format", r.archive.format).lower()
        comp = r.header.get("Compression", r.archive.compression)
        rows += [
            ("Format", f"PostgreSQL {fmt} (Compression: {comp})"),
            ("Compression", compression_meaning(comp)),
            ("Archive version", r.archive.archive_version),
            ("Dumped from database version", r.archive.server_version),
            ("Dumped by pg_dump version", r.archive.pg_dump_version),
            ("TOC entries", r.toc_entries if r.toc_entries is not None else "—"),
        ]
    if r.full_read is not None:
        fr = r.full_read
        rows.append(
            (
                "Full read of the archive",
                f"PASS ({fr.seconds:.1f} s)"
                if fr.ok
                else "FAIL: "
                + (fr.errors[0].reason + f" ({fr.errors[0].message})" if fr.errors else f"exit code {fr.returncode}"),
            )
        )
    if r.schema_sql:
        rows.append(
            (
                "Schema-only dump",
                f"{Path(r.kit) / r.schema_sql} (pg_restore --schema-only of the archive, \\restrict lines stripped)",
            )
        )
    rows.append(
        ("Source record", r.source_record or "none: the dump is not in a pgwarden backup kit and no --source was given")
    )
    return Section("1. Backup", (Facts.of("", rows),), "backup")


def _presence(r: VerifyResult) -> Section:
    objs: dict[tuple[str, str], dict[Method, bool]] = {}
    for c in r.checks:
        if c.method in (Method.SCHEMA_DUMP, Method.INTROSPECTION):
            objs.setdefault((c.kind, c.name), {})[c.method] = c.ok
    out: list[Block] = []
    if objs:
        ok = {key: len(m) == 2 and all(m.values()) for key, m in objs.items()}
        out.append(
            Table.of(
                "",
                ("Object", "Kind", "In schema dump", "In restored DB"),
                [
                    (f"`{name}`", kind, _MARK[m.get(Method.SCHEMA_DUMP)], _MARK[m.get(Method.INTROSPECTION)])
                    for (kind, name), m in objs.items()
                ],
                ["PASS" if ok[k] else "FAIL" for k in objs],
            )
        )
        out.append(Text(f"object_presence_missing = {sum(1 for v in ok.values() if not v)}."))
    elif r.expectations_given:
        out.append(
            Text("Not checked: the verification stopped before the restored database could be examined (see §8).")
        )
    else:
        out.append(
            Text(
                "No object expectations were given (--expect); the source record (§2) and the completeness "
                "check below stand in for them."
            )
        )
    comp = r.completeness
    if comp is not None:
        out.append(
            Text(
                f"Completeness: all {comp.in_dump} objects (schemas, tables, columns, constraints, indexes, "
                "views, functions, triggers, policies, sequences, types, extensions) that the schema dump "
                "creates exist in the restored database."
                if not comp.missing
                else f"Completeness: {len(comp.missing)} of {comp.in_dump} objects of the schema dump are missing "
                "after the restore: " + ", ".join(f"`{m}`" for m in comp.missing[:30])
            )
        )
    rowchecks = [c for c in r.checks if c.method == Method.QUERY]
    if rowchecks:
        out.append(
            Table.of(
                "Row and value checks (restored database, read-only transactions)",
                ("Check", "Expected", "Actual", "Result"),
                [
                    (
                        f"{c.kind} `{c.name}`",
                        c.expected,
                        c.actual + (f": {c.error}" if c.error else ""),
                        "PASS" if c.ok else "FAIL",
                    )
                    for c in rowchecks
                ],
                ["PASS" if c.ok else "FAIL" for c in rowchecks],
            )
        )
    return Section("3. Object presence (two independent methods)", tuple(out), "presence")


def _restore(r: VerifyResult) -> Section:
    title = "4. Restore test"
    if r.instance is None:
        return Section(
            title, (Text("Performed: NO (the verification stopped before a restore target was started)."),), "restore"
        )
    inst = r.instance
    forbidden = ", ".join(f"{p.label} {p.system_identifier}" for p in r.protected)
    if r.production:
        forbidden = f"production {r.production.system_identifier}" + (f", {forbidden}" if forbidden else "")
    run = r.restore
    ok = run is not None and not [e for e in run.errors if e.cls != BENIGN]
    created = [f"{x.name} ({' '.join(x.attributes)}; {x.note})" for x in r.roles if x.created]
    rows: list[tuple[str, object]] = [
        (
            "Performed",
            "YES: result " + ("PASS" if ok and not r.reasons else "FAIL")
            if run
            else "NO: the full read failed, so nothing was restored",
        ),
        ("Restore server", r.server_choice or "—"),
        ("pg_restore", (r.restore_binaries or "—") + (f"; {' '.join(run.argv[1:-1])}" if run else "")),
        ("Instance", f"{inst.path} (run as {inst.run_as}, ready in {inst.ready_seconds} s)"),
        ("Published TCP port", "none (unix socket only)" if not inst.tcp_listening else "LISTENING"),
        ("Isolation", f"{inst.isolation.method}: {inst.isolation.note} (OS user {inst.isolation.os_user})"),
        ("system_identifier", f"{inst.system_identifier}" + (f" (distinct from {forbidden})" if forbidden else "")),
        ("Database", r.database or "—"),
        ("Roles created (NOLOGIN)", ", ".join(created) or "none needed"),
    ]
    if run is not None:
        n = sum(e.occurrences for e in run.errors)
        rows += [
            ("pg_restore exit code", f"{run.returncode} (not trusted: graded by evidence, see §5)"),
            (
                "pg_restore error lines",
                f"{n} (pg_restore itself reported {run.reported_errors if run.reported_errors is not None else 0})",
            ),
            ("Restore time", f"{run.seconds:.1f} s"),
        ]
    rows.append(("Teardown", yes_no(r.teardown, "instance removed", "NOT removed")))
    for p in r.protected:
        rows.append(
            (
                f"Protected: {p.label}",
                f"{p.dsn}: distinct {yes_no(p.distinct_from_instance)}, up at the end {yes_no(p.up_at_end)}",
            )
        )
    return Section(title, (Facts.of("", rows),), "restore")


def _errors(r: VerifyResult) -> Section:
    title = "5. Restore errors, classified"
    errs = list(r.restore_errors) + (list(r.full_read.errors) if r.full_read else [])
    if not errs:
        return Section(title, (Text("None: pg_restore reported no errors."),), "errors")
    rows = [
        (e.cls, e.reason, e.message, (e.command or "").splitlines()[0][:120] if e.command else "", e.occurrences)
        for e in errs
    ]
    return Section(
        title,
        (
            Table.of(
                "",
                ("Class", "Reason", "Error", "Statement", "Times"),
                rows,
                ["WAIVED" if e.cls == BENIGN else "FAIL" for e in errs],
            ),
            Text("benign: listed and explained, does not fail the verification; degraded or fatal: FAIL."),
        ),
        "errors",
    )


def _production(r: VerifyResult, gates: Sequence[GateRecord]) -> Section:
    title = "7. Production integrity"
    p = r.production
    if p is None:
        return Section(
            title,
            (
                Text(
                    "Not checked: the verification stopped before production could be probed twice."
                    if r.dsn_given
                    else "Not checked: no --dsn was given."
                ),
            ),
            "production",
        )
    out: list[Block] = [
        Bullets(
            (
                f"Read-only probe taken before and after all backup/restore activity: `{p.before}`, `{p.after}`.",
                f"diff(before, after) = {'IDENTICAL' if p.untouched else 'DIFFERENT'} (production untouched: "
                f"{yes_no(p.untouched)}).",
                *(f"note: {n}" for n in p.notes),
            )
        )
    ]
    after = next((g for g in reversed(gates) if g.name == "probe-after"), None)
    d = after.details if after is not None else None
    if isinstance(d, ProbeGate) and d.identical is False:
        out.append(Diff("", "probes/diff.txt", d.changes, (), d.changes_total))
    return Section(title, tuple(out), "production")


def _fidelity(r: VerifyResult) -> Section:
    title = "2. Restore fidelity (the restore against the source record)"
    f = r.fidelity
    if f is None:
        why = (
            "no source record: the dump is not in a pgwarden backup kit with probes/source.json and no --source "
            "was given"
            if r.source_record is None
            else "the verification stopped before the comparison"
        )
        return Section(
            title,
            (Text(f"Not compared: {why}. Completeness below is checked against the schema dump only."),),
            "fidelity",
        )
    rows = (
        f"{f.rows_compared} exact row counts"
        if f.rows_compared
        else f"row counts not compared (the source recorded them as {f.rows_mode})"
    )
    out: list[Block] = [
        Text(
            f"Source record `{f.source}`, taken in snapshot {f.snapshot} at {f.taken_at}: {f.source_entries} objects "
            f"(every object, owner, grant, policy and constraint) and {rows}, against {f.restored_entries} "
            "objects in the "
            "restore."
        )
    ]
    if not f.differences:
        out.append(Text("IDENTICAL: the restore is the database that was dumped."))
    if f.unexpected:
        intro = f"**{len(f.unexpected)} difference(s) that a restore must not have** (each fails the verification):"
        out += _differences(intro, "Meaning", f.unexpected, "FAIL")
    if f.expected:
        out += _differences(
            f"{len(f.expected)} difference(s) caused by design, shown and not failed:", "Why", f.expected, "WAIVED"
        )
    return Section(title, tuple(out), "fidelity")


def _differences(intro: str, why: str, diffs: Sequence[Difference], status: str, most: int = 200) -> list[Block]:
    """A sentence, then the first ``most`` differences with why each is there, each row marked ``status``."""
    rows = [(f"`{d.line}`", d.why) for d in diffs[:most]]
    return [Text(intro), Table.of("", ("Difference", why), rows, [status] * len(rows), max(len(diffs) - most, 0))]


def _left_out(r: VerifyResult) -> Section:
    title = "6. What a single-database dump leaves out"
    if not r.left_out:
        return Section(title, (Text("Not determined: the verification stopped early."),), "left-out")
    return Section(title, (Table.of("", ("What", "Here"), [(x.what, x.detail) for x in r.left_out]),), "left-out")


_NEXT = {
    "pin": "Do not use this dump: its bytes changed after they were pinned. Take a fresh backup (`pgwarden "
    "backup`), verify it, and find out what changed the file (storage, copy or transfer).",
    "archive": "The archive is damaged or was written by a newer pg_dump than any here: take a fresh backup, or "
    "install the PostgreSQL tools it needs, and verify again.",
    "full-read": "The archive cannot be read to its end: it is truncated or corrupt. Take a fresh backup; if this "
    "is a copy, compare its SHA-256 with the original's.",
    "restore": "Read §5: each degraded or fatal error names the object that did not restore. A role or extension "
    "missing here is fixed on this machine; an error in the data means the backup cannot be trusted.",
    "fidelity": "Read §2: each difference names what the restore lost or changed. Take a fresh backup and verify "
    "it; if the same difference comes back, the dump cannot reproduce the database.",
    "expectations": "Read §3: an expectation failed. Check whether the database or the expectation changed.",
    "probe-after": "Production changed during the verification (pgwarden only reads it): §7 names what changed; "
    "find out who changed it.",
    "protected": "A protected server is down or shares the instance's identity: check it now.",
    "teardown": "The throwaway instance was not removed: run `pgwarden gc`.",
}


def _next(r: VerifyResult) -> list[Block]:
    if r.verdict == "PASS":
        return []
    steps = [_NEXT[g] for g in dict.fromkeys(r.failed_gates) if g in _NEXT] or [
        "Read the reasons above and the gates in run.json; the first FAIL is where to start."
    ]
    return [Section("Next step", (Bullets(tuple(steps)),), "next")]


def verify_report(r: VerifyResult, gates: Sequence[GateRecord] = (), error: BaseException | None = None) -> Report:
    blocks: list[Block] = [Text("Stopped: " + stopped(error))] if error is not None else []
    blocks += [
        Text(f"Dump: `{r.dump}`"),
        Text(f"Kit: `{Path(r.kit).resolve()}`"),
        Text(f"Duration: {r.seconds:.1f} s"),
        _backup(r),
        _fidelity(r),
        _presence(r),
        _restore(r),
        _errors(r),
        _left_out(r),
        _production(r, gates),
    ]
    good = (
        "Pinned, read in full, restored into an isolated port-less instance"
        + (", identical to the source record" if r.fidelity is not None else "")
        + (", every expectation held." if r.expectations_given else ".")
    )
    blocks.append(
        Section(
            "8. Backup verification status",
            (Text(f"backup_verification_status = {r.verdict}"), Bullets(r.reasons or (good,)), *_next(r)),
            "status",
        )
    )
    return Report(
        f"pgwarden verify-backup: {r.verdict}",
        os.path.basename(r.dump),
        r.verdict.value,
        tuple(blocks),
        r.reasons[0] if r.reasons else good,
        r.reasons,
    )
