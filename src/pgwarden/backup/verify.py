"""``pgwarden verify-backup``: prove a dump is complete and restorable, and production untouched.

Inputs are validated before anything runs (:mod:`pgwarden.backup.verify_inputs`: bad input, exit 2, no
kit). Then the gates, in order:

- ``probe-before`` (with ``--dsn``): production's fingerprint;
- ``pin``: the dump's SHA-256 against its pins (a mismatch is a FAIL, exit 1: nothing is restored);
- ``archive``: header and table of contents; ``schema-dump``: the schema SQL, parsed;
- ``instance`` and ``identity-distinct``: a throwaway instance that is not production nor a protected server;
- ``full-read``: every byte of the archive decompressed (it ran in the background since ``archive``);
- ``roles``: NOLOGIN stand-ins for the archive's roles; ``restore``: pg_restore, every error classified;
- ``fidelity``: the restored database against the source record that ``backup`` took in the dump's own
  snapshot (:mod:`pgwarden.backup.fidelity`): every object, owner, grant, policy, constraint and row count;
- ``expectations``: completeness, then the expectations in the schema dump and in the restored database;
- ``teardown``; ``probe-after`` (with ``--dsn``); ``protected``: every protected server still up.

The verdict comes from that evidence, never from pg_restore's exit code.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.backup.dumpstream import tree_size
from pgwarden.backup.fidelity import Fidelity, LeftOut, Options, compare, left_out
from pgwarden.backup.pin import PinCheck, check_pin
from pgwarden.backup.restore import (
    BinaryChoice,
    FullRead,
    ReadCheck,
    RestoreRun,
    RoleStandIn,
    archive_roles,
    choose_binaries,
    create_roles,
    role_attributes,
    run_restore,
    start_full_read,
)
from pgwarden.backup.restore_errors import BENIGN
from pgwarden.backup.schema_dump import ParsedSchema, objects_in_schema, parse_schema
from pgwarden.backup.schema_text import extract_schema
from pgwarden.backup.source_record import SourceRecord, backup_time, read_facts, record_in_kit
from pgwarden.backup.toc import ArchiveHeader, TocListing, list_archive, read_header
from pgwarden.backup.verify_inputs import Inputs, ServerCheck, server_key, validate
from pgwarden.backup.verify_report import verify_report
from pgwarden.backup.verify_result import Completeness, Production, VerifyResult
from pgwarden.errors import EnvironmentProblem, GateFailed
from pgwarden.evidence.blocks import Report
from pgwarden.evidence.gates import GateRunner, GateStatus, StopRun, Verdict
from pgwarden.evidence.kit import EvidenceKit, check_out_dir
from pgwarden.expect.expectations import check_counts, check_objects, check_values
from pgwarden.expect.model import ExpectationResult, Expectations, Method
from pgwarden.expect.objects import KINDS, FoundObjects, objects_in_database
from pgwarden.instances.instance import InstanceInfo, TeardownGate, ThrowawayInstance
from pgwarden.pg import search_path
from pgwarden.pg.conn import connection, session_limits
from pgwarden.probe.fingerprint import Fingerprint, diff_fingerprints, save
from pgwarden.probe.gate import probe_gate
from pgwarden.probe.probe import fingerprint_dsn, take_fingerprint
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn


# -- typed details of each gate ---------------------------------------------------------------------
@dataclass(frozen=True)
class ArchiveGate:
    format: str
    archive_version: str
    dumped_from: str
    dumped_by: str
    toc_entries: int
    server: str


@dataclass(frozen=True)
class SchemaGate:
    restrict_lines_stripped: int
    statements: int
    unparsed: tuple[str, ...]
    roles_referenced: tuple[str, ...]


@dataclass(frozen=True)
class DistinctGate:
    system_identifier: str
    forbidden: dict[str, str]
    tcp_listening: bool
    server: str


@dataclass(frozen=True)
class RolesGate:
    created: tuple[str, ...]
    not_created: dict[str, str]


@dataclass(frozen=True)
class ExpectationsGate:
    checks: int
    failed: tuple[ExpectationResult, ...]
    completeness: Completeness | None
    user_sql_role: str | None  # counts and values ran as this role: LOGIN, pg_read_all_data, not superuser


@dataclass(frozen=True)
class ProtectedGate:
    servers: tuple[ServerCheck, ...]


def plan(inp: Inputs) -> tuple[str, ...]:
    """The gates of this verification, in order."""
    return (
        *(("probe-before",) if inp.dsn else ()),
        "pin",
        "archive",
        "schema-dump",
        "instance",
        "identity-distinct",
        "full-read",
        "roles",
        "restore",
        "fidelity",
        "expectations",
        "teardown",
        *(("probe-after",) if inp.dsn else ()),
        *(("protected",) if inp.protected else ()),
    )


def verify_backup(
    dump: Path,
    *,
    expect: Path | None = None,
    dsn: str | None = None,
    protect: Sequence[str] = (),
    out: Path | None = None,
    sha256: str | None = None,
    jobs: int | None = None,
    no_owner: bool = False,
    no_privileges: bool = False,
    probe_rows: str = "exact",
    source: Path | None = None,
    reporter: Reporter = SILENT,
) -> VerifyResult:
    """Run the whole verification and return its evidence; the verdict is in ``.verdict``. ``source`` is a
    source record (``probes/source.json`` of a backup kit) for a dump that is not inside its kit."""
    check_out_dir(out)
    inp = validate(Path(dump), expect, dsn, protect, sha256, jobs, no_owner, no_privileges, probe_rows, source)
    kit = EvidenceKit.create(
        out,
        "verify-backup",
        {
            "dump": str(dump),
            "expect": str(expect) if expect else None,
            "dsn": redact_dsn(dsn),
            "protect": [redact_dsn(p) for p in protect],
            "sha256": sha256,
            "jobs": inp.jobs,
            "no_owner": no_owner,
            "no_privileges": no_privileges,
            "probe_rows": probe_rows,
            "source": str(source) if source else None,
        },
    )
    kit.environment["session_limits"] = asdict(session_limits())
    if inp.exp_text is not None:
        kit.write_text("expectations.toml", inp.exp_text)
    run = _Run(kit, inp, reporter)
    run.runner.run(run.body, run.finish)
    assert run.result is not None
    return run.result


class _Run:
    """One verification, gate by gate; what it learns is kept so that a failure can still be reported."""

    def __init__(self, kit: EvidenceKit, inp: Inputs, reporter: Reporter) -> None:
        self.kit, self.inp, self.reporter = kit, inp, reporter
        self.runner = GateRunner(kit, plan(inp), reporter)
        self.t0 = time.monotonic()
        self.reasons: list[str] = []
        self.pin = PinCheck(GateStatus.SKIPPED, "", (), (), None)
        self.archive: ArchiveHeader | None = None
        self.header: dict[str, str] = {}
        self.toc_entries: int | None = None
        self.full_read: ReadCheck | None = None
        self.choice: BinaryChoice | None = None
        self.instance: InstanceInfo | None = None
        self.database: str | None = None
        self.roles: tuple[RoleStandIn, ...] = ()
        self.restore: RestoreRun | None = None
        self.completeness: Completeness | None = None
        self.checks: list[ExpectationResult] = []
        self.teardown: bool | None = None
        self.production: Production | None = None
        self.protected: tuple[ServerCheck, ...] = inp.protected
        self.schema_sql: str | None = None
        self.before: Fingerprint | None = None
        self.prod_notes: tuple[str, ...] = ()
        self.result: VerifyResult | None = None
        self.reader: str | None = None
        self.record: SourceRecord | None = inp.source
        self.record_path: Path | None = inp.source_path
        self.record_problem: str | None = None
        self.fidelity: Fidelity | None = None
        self.left_out: tuple[LeftOut, ...] = ()

    def build(self, verdict: Verdict) -> VerifyResult:
        c = self.choice
        return VerifyResult(
            kit=str(self.kit.root),
            verdict=verdict,
            reasons=tuple(self.reasons),
            dump=str(self.inp.dump.resolve()),
            pin=self.pin,
            dump_bytes=_size(self.inp.dump),
            archive=self.archive,
            header=self.header,
            toc_entries=self.toc_entries,
            full_read=self.full_read,
            server_choice=c.note if c else None,
            restore_binaries=c.restore.describe() if c else None,
            instance=self.instance,
            database=self.database,
            roles=self.roles,
            restore=self.restore,
            completeness=self.completeness,
            checks=tuple(self.checks),
            teardown=self.teardown,
            production=self.production,
            protected=self.protected,
            schema_sql=self.schema_sql,
            seconds=round(time.monotonic() - self.t0, 3),
            expectations_given=self.inp.exp is not None,
            dsn_given=self.inp.dsn is not None,
            source_record=str(self.record_path) if self.record_path else None,
            fidelity=self.fidelity,
            left_out=self.left_out
            or left_out(self.record.facts if self.record else None, None, [x.name for x in self.roles if x.created]),
            failed_gates=tuple(g.name for g in self.runner.failures),
            **backup_time(self.record, self.header),
        )

    def finish(self, verdict: Verdict, error: BaseException | None) -> tuple[Report, object]:
        self.result = self.build(verdict)
        return verify_report(self.result, self.runner.records, error), self.result

    # -- the run ------------------------------------------------------------------------------------
    def body(self) -> None:
        if self.inp.dsn is not None:
            self._probe_before()
        try:
            self._pin()
            self._find_record()
            self._archive_and_restore()
        except StopRun:
            pass  # recorded; production and the protected servers are still checked below
        except GateFailed as exc:
            # A damaged archive or a refused instance is a FAIL of the verification (exit 1).
            self.reasons.append(exc.message)
        if self.inp.dsn is not None:
            self._probe_after()
        self._protected_at_end()

    def _probe_before(self) -> None:
        with self.runner.gate("probe-before") as g:
            self.reporter.step("probing production before the verification")
            self.before, notes = _fingerprint(self.inp.dsn, self.inp.rows)
            save(self.before, self.kit.path("probes/production-before.json"))
            g.record(probe_gate(self.before, notes=tuple(notes)))
            self.prod_notes = notes

    def _pin(self) -> None:
        with self.runner.gate("pin") as g:
            self.reporter.step(f"checking the pin of {self.inp.dump}")
            pin = check_pin(self.inp.dump, self.inp.sha256)
            self.pin = pin
            g.record(pin)
            if pin.status == GateStatus.SKIPPED:
                g.skip(
                    "no pin: the dump is not in a backup kit and no --sha256 was given; only the full read "
                    "can catch corruption, and in an uncompressed archive it cannot"
                )
            if pin.status == GateStatus.FAIL:
                # What verify-backup exists to find out is a verdict, not bad input: FAIL, exit 1.
                self.reasons.append(
                    "hash mismatch: "
                    + "; ".join(pin.problems[:3])
                    + "; the dump's bytes are not the bytes that were pinned, so nothing was "
                    "restored"
                )
                g.fail("hash mismatch: " + pin.problems[0])

    def _find_record(self) -> None:
        """The source record: ``--source``, or the one in the backup kit the dump sits in."""
        if self.record is None and self.pin.kit is not None:
            self.record, self.record_path, self.record_problem = record_in_kit(Path(self.pin.kit))

    def _fidelity(self, dsn: str, choice: BinaryChoice) -> None:
        created = [x.name for x in self.roles if x.created]
        with self.runner.gate("fidelity", stop=False) as g:  # the expectations still say what else is missing
            if self.record_problem is not None:
                self.reasons.append(self.record_problem)
                g.fail(self.record_problem)
                return
            record = self.record
            if record is None:
                g.skip(
                    "no source record: the dump is not in a pgwarden backup kit with probes/source.json and no "
                    "--source was given, so the restore is compared with the schema dump only"
                )
                return
            self.reporter.step("fingerprinting the restore to compare it with the source record")
            rows = "exact" if record.fingerprint.rows_mode == "exact" else "none"
            with connection(dsn, application_name="pgwarden verify-backup") as iconn:
                restored = take_fingerprint(iconn, rows=rows)
                facts = read_facts(iconn)
            save(restored, self.kit.path("probes/restored.json"))
            opt = Options(
                self.inp.no_owner,
                self.inp.no_privileges,
                int(record.fingerprint.server.get("server_major") or 0),
                choice.server.major,
            )
            fid = compare(record, restored, facts, opt, source=str(self.record_path), roles_created=created)
            self.fidelity, self.left_out = fid, fid.left_out
            self.kit.write_text(
                "probes/fidelity.txt",
                "\n".join(f"{'expected' if d.expected else 'UNEXPECTED'}: {d.line} ({d.why})" for d in fid.differences)
                + "\n"
                if fid.differences
                else "IDENTICAL\n",
            )
            g.record(fid)
            bad = fid.unexpected
            for d in bad[:20]:
                self.reasons.append(f"restore differs from the source record: {d.line}")
            if len(bad) > 20:
                self.reasons.append(f"… and {len(bad) - 20} more differences (probes/fidelity.txt)")
            if bad:
                g.fail(f"{len(bad)} difference(s) between the source record and the restore")

    def _archive_and_restore(self) -> None:
        header, listing, choice = self._archive()
        reader = start_full_read(choice.restore, self.inp.dump, log_path=self.kit.path("logs/full-read.log"))
        try:
            parsed, roles = self._schema(choice, listing)
            self._restore_and_check(header, choice, reader, parsed, roles)
        finally:
            reader.cancel()

    def _archive(self) -> tuple[ArchiveHeader, TocListing, BinaryChoice]:
        with self.runner.gate("archive") as g:
            header = read_header(self.inp.dump)
            self.archive = header
            choice = choose_binaries(header, self.inp.dump)
            self.choice = choice
            self.kit.environment.update(
                {
                    "restore_server": choice.server.describe(),
                    "pg_restore": choice.restore.describe(),
                    "exact_major": choice.exact_major,
                }
            )
            listing, raw = list_archive(choice.restore, self.inp.dump, log_path=self.kit.path("logs/toc.log"))
            self.kit.write_text("logs/toc.txt", raw)
            self.header, self.toc_entries = listing.header, listing.toc_entries
            g.record(
                ArchiveGate(
                    header.format,
                    header.archive_version,
                    header.server_version,
                    header.pg_dump_version,
                    listing.toc_entries,
                    choice.note,
                )
            )
        return header, listing, choice

    def _schema(self, choice: BinaryChoice, listing: TocListing) -> tuple[ParsedSchema, set[str]]:
        with self.runner.gate("schema-dump") as g:
            text, stripped = extract_schema(choice.restore, self.inp.dump, log_path=self.kit.path("logs/schema.log"))
            self.kit.write_text("schema/archive_schema.sql", text)
            self.schema_sql = "schema/archive_schema.sql"
            parsed = parse_schema(text)
            roles = archive_roles(listing, parsed)
            g.record(SchemaGate(stripped, len(parsed.statements), parsed.unparsed, tuple(sorted(roles))))
        return parsed, roles

    def _restore_and_check(
        self, header: ArchiveHeader, choice: BinaryChoice, reader: FullRead, parsed: ParsedSchema, roles: set[str]
    ) -> None:
        inp, kit, runner = self.inp, self.kit, self.runner
        forbidden = {s.label: s.system_identifier for s in ([inp.prod] if inp.prod else []) + list(inp.protected)}
        dump_objects = objects_in_schema(parsed)
        if inp.exp is not None:
            self.checks += check_objects(dump_objects, inp.exp, Method.SCHEMA_DUMP)
        prod_attrs = None
        if inp.dsn is not None and roles:
            with connection(inp.dsn, application_name="pgwarden verify-backup") as pconn:
                prod_attrs = role_attributes(pconn, roles)
        inst = ThrowawayInstance(choice.server, forbidden_sysids=forbidden)
        try:
            with runner.gate("instance") as g:
                self.reporter.step(f"starting a throwaway instance: {choice.note}")
                info = inst.start()
                self.instance = info
                g.record(info)
                if not (info.isolation.network and info.isolation.read_only_host):
                    self.reporter.step(f"warning: the restored dump is not fully isolated: {info.isolation.note}")
            with runner.gate("identity-distinct") as g:
                g.record(DistinctGate(info.system_identifier, forbidden, info.tcp_listening, choice.note))
                inst.assert_distinct(forbidden)
            self.protected = tuple(
                ServerCheck(
                    s.label, s.dsn, s.system_identifier, s.server_version, s.system_identifier != info.system_identifier
                )
                for s in inp.protected
            )
            with runner.gate("full-read") as g:
                read = reader.result()
                self.full_read = read
                g.record(read)
                if not read.ok:
                    first = read.errors[0].reason if read.errors else f"pg_restore exit code {read.returncode}"
                    self.reasons.append(f"the archive cannot be read in full: {first}")
                    g.fail(f"the archive cannot be read in full: {first}")
            dbname = self._create_db(inst, header)
            with runner.gate("roles") as g, connection(inst.dsn(dbname)) as iconn:
                made = create_roles(iconn, roles, prod_attrs)
                self.roles = made
                g.record(
                    RolesGate(tuple(m.name for m in made if m.created), {m.name: m.note for m in made if not m.created})
                )
            with runner.gate("restore", stop=False) as g:  # the expectations still say what is missing
                self.reporter.step(f"pg_restore --jobs {inp.jobs} into {choice.note}")
                restore = run_restore(
                    choice.restore,
                    inst.dsn(dbname),
                    inp.dump,
                    jobs=inp.jobs,
                    no_owner=inp.no_owner,
                    no_privileges=inp.no_privileges,
                    log_path=kit.path("logs/pg_restore.log"),
                )
                self.restore = restore
                g.record(restore)
                bad = [e for e in restore.errors if e.cls != BENIGN]
                for e in bad:
                    self.reasons.append(f"restore error ({e.cls}): {e.reason}")
                if bad:
                    g.fail(f"{len(bad)} restore error(s) that are not benign")
            self._fidelity(inst.dsn(dbname), choice)
            with runner.gate("expectations") as g, connection(inst.dsn(dbname)) as iconn:
                self._completeness(dump_objects, objects_in_database(iconn))
                if inp.exp is not None:
                    self.checks += check_objects(objects_in_database(iconn), inp.exp, Method.INTROSPECTION)
                    if inp.exp.counts or inp.exp.values:
                        self.checks += self._user_checks(inst, dbname, iconn, inp.exp)
                failed = tuple(c for c in self.checks if not c.ok)
                for c in failed:
                    self.reasons.append(
                        f"expectation failed ({c.method}): {c.kind} {c.name}: expected "
                        f"{c.expected}, got {c.actual}" + (f" ({c.error})" if c.error else "")
                    )
                g.record(ExpectationsGate(len(self.checks), failed, self.completeness, self.reader))
                if failed or (self.completeness is not None and self.completeness.missing):
                    g.fail(f"{len(failed)} expectation(s) failed" if failed else "objects are missing")
        finally:
            if inst.root is not None:
                kit.write_text("logs/restore-server.log", "\n".join(inst.log_tail(200)) + "\n")
            inst.stop()
            gone = inst.info is None or not Path(inst.info.path).exists()
            self.teardown = gone
            with runner.gate("teardown") as g:
                g.record(TeardownGate(inst.info.path if inst.info else None))
                if not gone:
                    self.reasons.append("the throwaway instance was not removed")
                    g.fail("the throwaway instance was not removed")

    def _user_checks(
        self, inst: ThrowawayInstance, dbname: str, admin: psycopg.Connection[Any], exp: Expectations
    ) -> list[ExpectationResult]:
        """Counts and values: user SQL, run as a role that can read every table and nothing else."""
        reader = f"pgwarden_reader_{secrets.token_hex(4)}"
        admin.execute(
            psycopg.sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS "
                "IN ROLE pg_read_all_data"
            ).format(psycopg.sql.Identifier(reader))
        )
        self.reader = reader
        with connection(inst.dsn(dbname, user=reader)) as rconn:
            path = search_path.target_default(rconn)  # as an application connecting to the restore would see it
            return check_counts(rconn, exp, path) + check_values(rconn, exp, path)

    def _create_db(self, inst: ThrowawayInstance, header: ArchiveHeader) -> str:
        name = header.dbname if header.dbname not in ("", "template0", "template1") else "restored"
        self.database = name
        if name != "postgres":
            with connection(inst.dsn()) as conn:
                conn.execute(
                    psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(psycopg.sql.Identifier(name))
                )
        return name

    def _completeness(self, dump_objects: FoundObjects, live: FoundObjects) -> None:
        missing = sorted(
            f"{kind.plural} {'.'.join(k)}"
            for kind in KINDS
            for k in dump_objects.objects[kind]
            if not live.has(kind, k)
        )
        self.completeness = Completeness(dump_objects.count(), tuple(missing))
        if missing:
            self.reasons.append(
                f"{len(missing)} object(s) of the schema dump are missing after the restore: "
                + ", ".join(missing[:5])
                + (" …" if len(missing) > 5 else "")
            )

    def _probe_after(self) -> None:
        inp = self.inp
        assert inp.dsn is not None and inp.prod is not None
        with self.runner.gate("probe-after") as g:
            self.reporter.step("probing production after the verification")
            after, notes = _fingerprint(inp.dsn, inp.rows)
            save(after, self.kit.path("probes/production-after.json"))
            if self.before is None:
                g.fail("no probe was taken before: nothing to compare")
                return
            d = diff_fingerprints(self.before, after)
            lines = tuple(d.lines())
            self.kit.write_text("probes/diff.txt", "\n".join(lines) + "\n" if lines else "IDENTICAL\n")
            g.record(probe_gate(after, compared_with="probe-before", diff=d, notes=tuple(notes)))
            self.production = Production(
                inp.prod.dsn,
                inp.prod.system_identifier,
                d.identical,
                lines,
                "probes/production-before.json",
                "probes/production-after.json",
                self.prod_notes + notes,
            )
            if not d.identical:
                self.reasons.append("production changed during the verification (probe diff is not empty)")
                g.fail("production changed during the verification")

    def _protected_at_end(self) -> None:
        out = []
        for dsn, s in zip(self.inp.protect_dsns, self.protected, strict=True):
            try:
                now, _ = server_key(dsn, s.label)
                up = now.system_identifier == s.system_identifier
            except EnvironmentProblem:
                up = False
            out.append(ServerCheck(s.label, s.dsn, s.system_identifier, s.server_version, s.distinct_from_instance, up))
            if not up:
                self.reasons.append(f"{s.label} ({s.dsn}) is not up at the end")
            if s.distinct_from_instance is False:
                self.reasons.append(f"{s.label} has the throwaway instance's system_identifier")
        self.protected = tuple(out)
        if out:
            with self.runner.gate("protected") as g:
                g.record(ProtectedGate(tuple(out)))
                if not all(o.up_at_end for o in out):
                    g.fail("a protected server is not up at the end")
                if any(o.distinct_from_instance is False for o in out):
                    g.fail("a protected server has the throwaway instance's system_identifier")


def _size(path: Path) -> int:
    return tree_size(path) if path.is_dir() else path.stat().st_size


def _fingerprint(dsn: str | None, rows: str) -> tuple[Fingerprint, tuple[str, ...]]:
    """Probe production with pgwarden's own catalog queries only: user SQL never runs there."""
    return fingerprint_dsn(dsn, rows=rows), (
        "user SQL (counts and values) ran only on the restored copy, never on production",
    )
