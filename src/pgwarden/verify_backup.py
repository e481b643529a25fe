"""``pgwarden verify-backup``: prove a dump is complete and restorable, and production untouched.

Order: inputs are validated before anything runs (:mod:`pgwarden.verify_inputs`: bad input, exit 2, no
kit). Then, in the kit: the
production probe before; the pin (a mismatch is recorded as a FAIL gate, then exits 2 as the design's
"hash mismatch" bad input: nothing was restored); the archive (header, TOC, a full read that
decompresses every byte, the schema SQL); a throwaway instance asserted distinct from production and
every protected server; NOLOGIN stand-ins for the archive's roles; pg_restore; every error message
classified; expectations checked in the schema dump and in the restored database; teardown; the
production probe after; protected servers still up. The verdict comes from that evidence.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from pgwarden import kit as kitmod
from pgwarden import probe, ui, userpaths
from pgwarden.conn import connection
from pgwarden.dumpstream import tree_size
from pgwarden.errors import BadInput, EnvironmentProblem, GateFailed, PgwardenError
from pgwarden.expectations import (
    ExpectationResult,
    Expectations,
    check_catalog,
    check_counts,
    check_values,
    live_catalog,
)
from pgwarden.instance import ThrowawayInstance
from pgwarden.objcatalog import KINDS, ObjectCatalog
from pgwarden.pins import PinCheck, check_pin
from pgwarden.redact import redact_dsn
from pgwarden.restore import (
    FullRead,
    ReadCheck,
    RestoreRun,
    RoleStandIn,
    choose_binaries,
    create_roles,
    role_attributes,
    run_restore,
    start_full_read,
)
from pgwarden.restore_errors import BENIGN, ClassifiedError
from pgwarden.results import to_jsonable
from pgwarden.schema_dump import catalog_from_schema, extract_schema, parse_schema, roles_in_schema
from pgwarden.toc import ArchiveHeader, TocListing, list_archive, read_header
from pgwarden.verify_inputs import Inputs, ServerCheck, server_key, validate
from pgwarden.verify_report import render_error, render_summary


@dataclass(frozen=True)
class Production:
    dsn: str
    system_identifier: str
    untouched: bool | None
    diff: tuple[str, ...]
    before: str                    # kit-relative paths of the fingerprints
    after: str
    values: dict[str, str | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Completeness:
    """Every object the archive's schema creates, looked up in the restored database."""

    in_dump: int
    missing: tuple[str, ...]


@dataclass(frozen=True)
class VerifyResult:
    kit: str
    verdict: str                               # PASS | FAIL
    reasons: tuple[str, ...]
    dump: str
    pin: PinCheck
    dump_bytes: int = 0
    archive: ArchiveHeader | None = None
    header: dict[str, str] = field(default_factory=dict)
    toc_entries: int | None = None
    full_read: ReadCheck | None = None
    server_choice: str | None = None
    restore_binaries: str | None = None
    instance: dict[str, Any] | None = None
    database: str | None = None
    roles: tuple[RoleStandIn, ...] = ()
    restore: RestoreRun | None = None
    completeness: Completeness | None = None
    checks: tuple[ExpectationResult, ...] = ()
    teardown: bool | None = None
    production: Production | None = None
    protected: tuple[ServerCheck, ...] = ()
    schema_sql: str | None = None
    seconds: float = 0.0

    @property
    def restore_errors(self) -> tuple[ClassifiedError, ...]:
        return self.restore.errors if self.restore else ()


def verify_backup(dump: Path, *, expect: Path | None = None, dsn: str | None = None,
                  protect: Sequence[str] = (), out: Path | None = None, sha256: str | None = None,
                  jobs: int | None = None, no_owner: bool = False, no_privileges: bool = False,
                  probe_rows: str = "exact") -> VerifyResult:
    """Run the whole verification and return its evidence; the verdict is in ``.verdict``."""
    if out is not None:
        userpaths.exists(out, "--out")
    inp = validate(Path(dump), expect, dsn, protect, sha256, jobs, no_owner, no_privileges, probe_rows)
    kit = kitmod.EvidenceKit.create(out, "verify-backup", {
        "dump": str(dump), "expect": str(expect) if expect else None, "dsn": redact_dsn(dsn),
        "protect": [redact_dsn(p) for p in protect], "sha256": sha256, "jobs": inp.jobs,
        "no_owner": no_owner, "no_privileges": no_privileges, "probe_rows": probe_rows})
    if inp.exp_text is not None:
        kit.write_text("expectations.toml", inp.exp_text)
    run = _Run(kit, inp)
    try:
        result = run.execute()
    except BaseException as exc:
        msg = exc.message if isinstance(exc, PgwardenError) else f"{type(exc).__name__}: {exc}"
        if not kit.finished:
            kit.finish(kitmod.aborted_status(exc, "ERROR" if not isinstance(exc, BadInput) else "FAIL"),
                       render_error(run.partial(), msg), {"error": msg, **to_jsonable(run.partial())})
        if isinstance(exc, PgwardenError):
            exc.details = (*exc.details, f"evidence kit: {kit.root}")
        raise
    return result


class _Run:
    """One verification, step by step; keeps what it learned so a failure can still be reported."""

    def __init__(self, kit: kitmod.EvidenceKit, inp: Inputs) -> None:
        self.kit, self.inp = kit, inp
        self.t0 = time.monotonic()
        self.r: dict[str, Any] = {"kit": str(kit.root), "dump": str(inp.dump.resolve()),
                                  "dump_bytes": _size(inp.dump), "protected": inp.protected}
        self.reasons: list[str] = []
        self.before: Any = None
        self.prod_notes: tuple[str, ...] = ()

    def partial(self) -> VerifyResult:
        pin = self.r.get("pin") or PinCheck("SKIPPED", "", (), (), None)
        fields = {k: v for k, v in self.r.items() if k not in ("pin",)}
        return VerifyResult(verdict="FAIL", reasons=tuple(self.reasons), pin=pin,
                            seconds=round(time.monotonic() - self.t0, 3), **fields)

    def execute(self) -> VerifyResult:
        kit, inp = self.kit, self.inp
        if inp.dsn is not None:
            self._probe_before()
        self._pin()
        try:
            header, listing, choice = self._archive()
            reader = start_full_read(choice.restore, inp.dump, log_path=kit.path("logs/full-read.log"))
            try:
                parsed, roles = self._schema(choice.restore, listing)
                self._restore_and_check(header, choice, reader, parsed, roles)
            finally:
                reader.cancel()
        except GateFailed as exc:
            # A damaged archive or a refused instance is a FAIL of the verification (exit 1).
            self.reasons.append(exc.message)
        if inp.dsn is not None:
            self._probe_after()
        self._protected_at_end()
        verdict = "PASS" if not self.reasons else "FAIL"
        result = VerifyResult(verdict=verdict, reasons=tuple(self.reasons), pin=self.r.pop("pin"),
                              seconds=round(time.monotonic() - self.t0, 3), **self.r)
        kit.finish(verdict, render_summary(result), to_jsonable(result))
        ui.info(f"verify-backup {verdict}: {result.dump}")
        for reason in result.reasons:
            ui.info(f"  - {reason}")
        ui.info(f"evidence kit: {kit.root}")
        return result

    # -- steps --------------------------------------------------------------------------------------
    def _probe_before(self) -> None:
        with self.kit.gate("probe-before") as g:
            self.before, notes = _fingerprint(self.inp.dsn, self.inp.rows, self.inp.exp)
            probe.save(self.before, self.kit.path("probes/production-before.json"))
            g.update({"entries": len(self.before.entries), "notes": list(notes)})
            self.prod_notes = notes

    def _pin(self) -> None:
        with self.kit.gate("pin") as g:
            ui.info(f"checking the pin of {self.inp.dump}")
            pin = check_pin(self.inp.dump, self.inp.sha256)
            self.r["pin"] = pin
            g.update({"status": pin.status, "sha256": pin.actual, "sources": list(pin.sources),
                      "problems": list(pin.problems)})
            if pin.status == "SKIPPED":
                g["note"] = ("no pin: the dump is not in a backup kit and no --sha256 was given; only the full "
                             "read can catch corruption, and in an uncompressed archive it cannot")
            if pin.status == "FAIL":
                self.reasons.append("hash mismatch: " + pin.problems[0])
                raise BadInput(f"{self.inp.dump}: hash mismatch: {pin.problems[0]}; nothing was restored",
                               details=list(pin.problems[1:]))

    def _archive(self) -> tuple[ArchiveHeader, TocListing, Any]:
        with self.kit.gate("archive") as g:
            header = read_header(self.inp.dump)
            self.r["archive"] = header
            choice = choose_binaries(header, self.inp.dump)
            self.r["server_choice"] = choice.note
            self.r["restore_binaries"] = choice.restore.describe()
            self.kit.environment.update({"restore_server": choice.server.describe(),
                                         "pg_restore": choice.restore.describe(),
                                         "exact_major": choice.exact_major})
            listing, raw = list_archive(choice.restore, self.inp.dump, log_path=self.kit.path("logs/toc.log"))
            self.kit.write_text("logs/toc.txt", raw)
            self.r["header"], self.r["toc_entries"] = listing.header, listing.toc_entries
            g.update({"format": header.format, "archive_version": header.archive_version,
                      "dumped_from": header.server_version, "dumped_by": header.pg_dump_version,
                      "toc_entries": listing.toc_entries, "server": choice.note})
        return header, listing, choice

    def _schema(self, bins: Any, listing: TocListing) -> tuple[Any, set[str]]:
        with self.kit.gate("schema-dump") as g:
            text, stripped = extract_schema(bins, self.inp.dump, log_path=self.kit.path("logs/schema.log"))
            self.kit.write_text("schema/archive_schema.sql", text)
            self.r["schema_sql"] = "schema/archive_schema.sql"
            parsed = parse_schema(text)
            roles = roles_in_schema(parsed) | {e.owner for e in listing.entries if e.owner and e.owner != "-"}
            g.update({"restrict_lines_stripped": stripped, "statements": len(parsed.statements),
                      "unparsed": list(parsed.unparsed), "roles_referenced": sorted(roles)})
        return parsed, roles

    def _restore_and_check(self, header: ArchiveHeader, choice: Any, reader: FullRead,
                           parsed: Any, roles: set[str]) -> None:
        inp, kit = self.inp, self.kit
        forbidden = {s.label: s.system_identifier for s in ([inp.prod] if inp.prod else []) + list(inp.protected)}
        dump_catalog = catalog_from_schema(parsed)
        checks: list[ExpectationResult] = []
        if inp.exp is not None:
            checks += check_catalog(dump_catalog, inp.exp, "schema dump")
        prod_attrs = None
        if inp.dsn is not None and roles:
            with connection(inp.dsn, application_name="pgwarden verify-backup") as pconn:
                prod_attrs = role_attributes(pconn, roles)
        inst = ThrowawayInstance(choice.server, forbidden_sysids=forbidden)
        try:
            with kit.gate("instance") as g:
                ui.info(f"starting a throwaway instance: {choice.note}")
                inst.start()
                assert inst.info is not None
                g.update({"path": inst.info.path, "version": inst.info.version, "binaries": inst.info.binaries,
                          "ready_seconds": inst.info.ready_seconds, "run_as": inst.info.run_as})
            self.r["instance"] = to_jsonable(inst.info)
            g_details = {"system_identifier": inst.info.system_identifier, "forbidden": forbidden,
                         "tcp_listening": inst.info.tcp_listening, "server": choice.note}
            kit.add_gate(kitmod.GateRecord("identity-distinct", "PASS", kitmod.utcnow(), kitmod.utcnow(),
                                           g_details))
            self.r["protected"] = tuple(ServerCheck(s.label, s.dsn, s.system_identifier, s.server_version,
                                                    s.system_identifier != inst.info.system_identifier)
                                        for s in inp.protected)
            with kit.gate("full-read") as g:
                read = reader.result()
                self.r["full_read"] = read
                g.update({"status": "PASS" if read.ok else "FAIL", "seconds": read.seconds,
                          "errors": [to_jsonable(e) for e in read.errors]})
            if not read.ok:
                first = read.errors[0].reason if read.errors else f"pg_restore exit code {read.returncode}"
                self.reasons.append(f"the archive cannot be read in full: {first}")
                kit.add_gate(kitmod.GateRecord("restore", "SKIPPED", kitmod.utcnow(), kitmod.utcnow(),
                                               {"reason": "the full read failed"}))
                return
            dbname = self._create_db(inst, header)
            with kit.gate("roles") as g, connection(inst.dsn(dbname)) as iconn:
                made = create_roles(iconn, roles, prod_attrs)
                self.r["roles"] = made
                g.update({"created": [m.name for m in made if m.created],
                          "not_created": {m.name: m.note for m in made if not m.created}})
            with kit.gate("restore") as g:
                ui.info(f"pg_restore --jobs {inp.jobs} into {choice.note}")
                run = run_restore(choice.restore, inst.dsn(dbname), inp.dump, jobs=inp.jobs,
                                  no_owner=inp.no_owner, no_privileges=inp.no_privileges,
                                  log_path=kit.path("logs/pg_restore.log"))
                self.r["restore"] = run
                bad = [e for e in run.errors if e.cls != BENIGN]
                g.update({"status": "FAIL" if bad else "PASS", "exit_code": run.returncode,
                          "seconds": run.seconds, "reported_errors": run.reported_errors,
                          "errors": [to_jsonable(e) for e in run.errors]})
                for e in bad:
                    self.reasons.append(f"restore error ({e.cls}): {e.reason}")
            with kit.gate("expectations") as g, connection(inst.dsn(dbname)) as iconn:
                live = live_catalog(iconn)
                self._completeness(dump_catalog, live)
                if inp.exp is not None:
                    checks += check_catalog(live, inp.exp, "introspection")
                    checks += check_counts(iconn, inp.exp) + check_values(iconn, inp.exp)
                failed = [c for c in checks if not c.ok]
                g.update({"status": "FAIL" if failed else "PASS", "checks": len(checks),
                          "failed": [to_jsonable(c) for c in failed]})
                for c in failed:
                    self.reasons.append(f"expectation failed ({c.method}): {c.kind} {c.name}: expected "
                                        f"{c.expected}, got {c.actual}" + (f" ({c.error})" if c.error else ""))
        finally:
            self.r["checks"] = tuple(checks)
            if inst.root is not None:
                kit.write_text("logs/restore-server.log", "\n".join(inst.log_tail(200)) + "\n")
            inst.stop()
            gone = inst.info is not None and not Path(inst.info.path).exists()
            self.r["teardown"] = gone
            kit.add_gate(kitmod.GateRecord("teardown", "PASS" if gone else "FAIL", kitmod.utcnow(),
                                           kitmod.utcnow(), {"removed": inst.info.path if inst.info else None}))
            if not gone:
                self.reasons.append("the throwaway instance was not removed")

    def _create_db(self, inst: ThrowawayInstance, header: ArchiveHeader) -> str:
        name = header.dbname if header.dbname not in ("", "template0", "template1") else "restored"
        self.r["database"] = name
        if name != "postgres":
            with connection(inst.dsn()) as conn:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE template0")
                             .format(psycopg.sql.Identifier(name)))
        return name

    def _completeness(self, dump_catalog: ObjectCatalog, live: ObjectCatalog) -> None:
        missing = sorted(f"{kind} {'.'.join(k)}" for kind in KINDS
                         for k in dump_catalog.objects[kind] if not live.has(kind, k))
        self.r["completeness"] = Completeness(dump_catalog.count(), tuple(missing))
        if missing:
            self.reasons.append(f"{len(missing)} object(s) of the schema dump are missing after the restore: "
                                + ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))

    def _probe_after(self) -> None:
        inp = self.inp
        assert inp.dsn is not None and inp.prod is not None
        with self.kit.gate("probe-after") as g:
            after, notes = _fingerprint(inp.dsn, inp.rows, inp.exp)
            probe.save(after, self.kit.path("probes/production-after.json"))
            d = probe.diff_fingerprints(self.before, after)
            lines = tuple(d.lines())
            self.kit.write_text("probes/diff.txt", "\n".join(lines) + "\n" if lines else "IDENTICAL\n")
            g.update({"status": "PASS" if d.identical else "FAIL", "identical": d.identical,
                      "diff": list(lines[:200])})
            self.r["production"] = Production(
                inp.prod.dsn, inp.prod.system_identifier, d.identical, lines,
                "probes/production-before.json", "probes/production-after.json", dict(after.queries),
                self.prod_notes + notes)
            if not d.identical:
                self.reasons.append("production changed during the verification (probe diff is not empty)")

    def _protected_at_end(self) -> None:
        out = []
        for dsn, s in zip(self.inp.protect_dsns, self.r.get("protected", ()), strict=True):
            try:
                now, _ = server_key(dsn, s.label)
                up = now.system_identifier == s.system_identifier
            except EnvironmentProblem:
                up = False
            out.append(ServerCheck(s.label, s.dsn, s.system_identifier, s.server_version,
                                   s.distinct_from_instance, up))
            if not up:
                self.reasons.append(f"{s.label} ({s.dsn}) is not up at the end")
            if s.distinct_from_instance is False:
                self.reasons.append(f"{s.label} has the throwaway instance's system_identifier")
        if out:
            self.kit.add_gate(kitmod.GateRecord(
                "protected", "PASS" if all(o.up_at_end for o in out) else "FAIL", kitmod.utcnow(),
                kitmod.utcnow(), {"servers": [to_jsonable(o) for o in out]}))
        self.r["protected"] = tuple(out)


def _size(path: Path) -> int:
    return tree_size(path) if path.is_dir() else path.stat().st_size


def _fingerprint(dsn: str | None, rows: str, exp: Expectations | None) -> tuple[Any, tuple[str, ...]]:
    """Probe production, with the expectation values as named queries (without them if one fails there)."""
    queries = {v.name: v.sql for v in exp.values} if exp else {}
    try:
        return probe.fingerprint_dsn(dsn, rows=rows, queries=queries), ()
    except BadInput as exc:
        if not queries:
            raise
        return probe.fingerprint_dsn(dsn, rows=rows), (f"named queries not run on production: {exc.message}",)
