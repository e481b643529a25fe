"""The restore side of ``pgwarden verify-backup``: the gates that read the archive and restore it in a
throwaway instance, from ``archive`` to ``teardown`` (``schema-dump``, ``instance``, ``identity-distinct``,
``full-read``, ``roles``, ``restore``, ``fidelity``, ``expectations``). Production's side, and the order of
it all, is in :mod:`pgwarden.backup.verify`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.backup.fidelity import Options, compare
from pgwarden.backup.restore import (
    BinaryChoice,
    FullRead,
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
from pgwarden.backup.source_record import read_facts
from pgwarden.backup.toc import ArchiveHeader, TocListing, list_archive, read_header
from pgwarden.backup.verify_gates import ArchiveGate, DistinctGate, ExpectationsGate, RolesGate, SchemaGate
from pgwarden.backup.verify_inputs import ServerCheck
from pgwarden.backup.verify_result import Completeness
from pgwarden.backup.verify_state import VerifyState
from pgwarden.expect.expectations import check_counts, check_objects, check_values
from pgwarden.expect.model import ExpectationResult, Expectations, Method
from pgwarden.expect.objects import KINDS, FoundObjects, objects_in_database
from pgwarden.instances.instance import TeardownGate, ThrowawayInstance
from pgwarden.pg import search_path
from pgwarden.pg.conn import connection
from pgwarden.probe.fingerprint import save
from pgwarden.probe.probe import take_fingerprint


class RestoreGates(VerifyState):
    """The gates run against the archive and its restore; each records what it learns in the state."""

    def archive_and_restore(self) -> None:
        header, listing, choice = self._archive()
        reader = start_full_read(choice.restore, self.inp.dump, log_path=self.kit.path("logs/full-read.log"))
        try:
            parsed, roles = self._schema(choice, listing)
            self._restore_and_check(header, choice, reader, parsed, roles)
        finally:
            reader.cancel()

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
