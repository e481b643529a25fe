"""Restore fidelity: the restored database against the source record taken in the dump's snapshot.

Every object, owner, grant, policy and constraint of the source fingerprint, and every exact row count,
must be equal in the restore. Each difference is named. A difference that a single-database dump causes
by design is marked *expected* with its reason and shown, never hidden; every other one fails the
verification. What the dump leaves out that a fingerprint does not hold (roles, database settings, the
database's ACL, owner, encoding and tablespaces) is listed from the database facts of both sides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pgwarden.backup.source_record import DatabaseFacts, SourceRecord
from pgwarden.probe.fingerprint import Fingerprint, ProbeEntry, diff_fingerprints, explain


@dataclass(frozen=True)
class Difference:
    line: str  # "- constraint public.rental.rental_customer_id_fkey: missing after the restore",
    #                    "- grant SELECT (email) ON public.customer TO reporting: missing after the restore"
    kind: str  # the entry's kind, or "rows", or "large_objects"
    name: str
    expected: bool  # caused by design (with why), or a loss that fails the verification
    why: str


@dataclass(frozen=True)
class LeftOut:
    """Something a single-database dump does not carry, stated for the operator (never a failure)."""

    what: str
    detail: str


@dataclass(frozen=True)
class Fidelity:
    source: str  # where the record came from
    snapshot: str
    taken_at: str
    source_entries: int
    restored_entries: int
    rows_mode: str
    rows_compared: int
    differences: tuple[Difference, ...]
    left_out: tuple[LeftOut, ...]

    @property
    def unexpected(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if not d.expected)

    @property
    def expected(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.expected)


@dataclass(frozen=True)
class Options:
    """How the restore was made, which decides what may differ by design."""

    no_owner: bool
    no_privileges: bool
    source_major: int
    restore_major: int


def _fields(definition: str) -> dict[str, Any]:
    try:
        data = json.loads(definition)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _only(a: ProbeEntry, b: ProbeEntry, keys: set[str]) -> bool:
    """Do the two definitions differ only in ``keys``?"""
    fa, fb = _fields(a.definition), _fields(b.definition)
    changed = {k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k)}
    return bool(changed) and changed <= keys


def _expected_change(a: ProbeEntry, b: ProbeEntry, opt: Options) -> str | None:
    if a.kind == "grant" and a.name.startswith("database "):
        return "a dump without --create carries no GRANT … ON DATABASE"
    if opt.no_owner and (_only(a, b, {"owner"}) or a.kind == "grant"):
        return "restored with --no-owner: objects belong to the restoring role"
    if opt.no_privileges and a.kind == "grant":
        return "restored with --no-privileges"
    if _only(a, b, {"tablespace"}):
        return "restored with --no-tablespaces: the object is in the default tablespace"
    if a.kind == "extension" and _only(a, b, {"version"}):
        return "pg_dump does not record extension versions: CREATE EXTENSION installed this server's default"
    if (
        opt.source_major != opt.restore_major
        and a.kind != "grant"
        and not _only(a, b, {"owner"})
        and _fields(a.definition).get("owner") == _fields(b.definition).get("owner")
    ):
        return (
            f"deparsed by PostgreSQL {opt.restore_major}, recorded on {opt.source_major}: the same definition "
            "may print differently"
        )
    return None


def _expected_missing(e: ProbeEntry, opt: Options) -> str | None:
    if e.kind == "grant" and e.name.startswith("database "):
        return "a dump without --create carries no GRANT … ON DATABASE"
    if opt.no_privileges and e.kind == "grant":
        return "restored with --no-privileges"
    return None


def compare(
    record: SourceRecord,
    restored: Fingerprint,
    restored_facts: DatabaseFacts,
    opt: Options,
    *,
    source: str,
    roles_created: Sequence[str] = (),
) -> Fidelity:
    """Every difference between the source record and the restore, each marked expected or not."""
    src = record.fingerprint
    rows_cmp = src.rows_mode == "exact" and restored.rows_mode == "exact"
    a = src if rows_cmp else _no_rows(src)
    b = restored if rows_cmp else _no_rows(restored)
    d = diff_fingerprints(a, b)
    matviews = {e.name for e in src.entries if e.kind == "matview"}
    out: list[Difference] = []
    for e in d.removed:
        why = _expected_missing(e, opt)
        out.append(
            Difference(
                f"- {e.kind} {e.name}: missing after the restore",
                e.kind,
                e.name,
                why is not None,
                why or "in the source record but not in the restored database",
            )
        )
    for e in d.added:
        why = "restored with --no-owner: grants of the restoring role" if opt.no_owner and e.kind == "grant" else None
        out.append(
            Difference(
                f"+ {e.kind} {e.name}: in the restore, not in the source",
                e.kind,
                e.name,
                why is not None,
                why or "the restore has it but the source record does not",
            )
        )
    for x, y in d.changed:
        why = _expected_change(x, y, opt)
        out.append(
            Difference(
                f"~ {x.kind} {x.name}: {explain(x.definition, y.definition)}",
                x.kind,
                x.name,
                why is not None,
                why or "its definition differs after the restore",
            )
        )
    for name, before, after in d.rows_changed:
        mv = name in matviews
        out.append(
            Difference(
                f"~ rows {name}: {before} in the source, {after} after the restore",
                "rows",
                name,
                mv,
                "a materialized view is refreshed at restore from the restored tables"
                if mv
                else "rows were lost or added between the dump's snapshot and the restore",
            )
        )
    for item in record.facts.extension_tables:
        table, _, ext = item.partition("\t")
        out.append(
            Difference(
                f"- table {table}: a member of extension {ext} that is not one of its configuration "
                "tables: pg_dump leaves it and its rows out, and CREATE EXTENSION does not bring it "
                "back",
                "table",
                table,
                False,
                "a table added to an extension (ALTER EXTENSION … ADD TABLE) is in no single-database "
                "dump: this backup does not hold its rows",
            )
        )
    if record.facts.large_objects != restored_facts.large_objects:
        out.append(
            Difference(
                f"~ large objects: {record.facts.large_objects} in the source, "
                f"{restored_facts.large_objects} after the restore",
                "large_objects",
                "",
                False,
                "large objects are in the dump; their count must be equal",
            )
        )
    return Fidelity(
        source,
        record.snapshot,
        src.taken_at,
        len(src.entries),
        len(restored.entries),
        src.rows_mode,
        len(src.rows) if rows_cmp else 0,
        tuple(out),
        left_out(record.facts, restored_facts, roles_created),
    )


def _no_rows(fp: Fingerprint) -> Fingerprint:
    return Fingerprint(fp.taken_at, fp.server, "none", fp.entries, {}, {})


def left_out(
    src: DatabaseFacts | None, restored: DatabaseFacts | None, roles_created: Sequence[str]
) -> tuple[LeftOut, ...]:
    """What a single-database dump leaves out, with the source's own values where they are known."""
    out = [
        LeftOut(
            "Roles",
            (
                f"{len(roles_created)} role(s) were created as NOLOGIN stand-ins, without passwords, "
                f"memberships or role settings: {', '.join(roles_created)}"
                if roles_created
                else "no role needed a stand-in"
            )
            + ". Roles and passwords are cluster-wide: "
            "`pg_dumpall --roles-only` carries them.",
        )
    ]
    if src is None:
        out += [
            LeftOut(
                "Database settings",
                "`ALTER DATABASE … SET` and `ALTER ROLE … IN DATABASE … SET` are not "
                "in a dump without --create (no source record to list them).",
            ),
            LeftOut(
                "Database ACL and owner",
                "`GRANT … ON DATABASE` and the database's owner are not in a dump without --create.",
            ),
            LeftOut("Tablespaces", "restored with --no-tablespaces: every object lands in the default tablespace."),
        ]
        return tuple(out)
    settings = [s.replace("\t", ": ", 1) if not s.startswith("\t") else s[1:] for s in src.settings]
    out.append(
        LeftOut(
            "Database settings",
            (
                "not restored: "
                + "; ".join(f"`{s}`" for s in settings)
                + " (set them with ALTER DATABASE / ALTER ROLE … IN DATABASE)"
            )
            if settings
            else "the source database has none (ALTER DATABASE … SET)",
        )
    )
    owner = f"source owner {src.owner}" + (f", restored owner {restored.owner}" if restored else "")
    out.append(
        LeftOut(
            "Database ACL and owner",
            f"{owner}; source ACL " + (", ".join(src.acl) or "default") + " (a dump without --create carries neither)",
        )
    )
    if restored is not None and (src.encoding, src.collate, src.ctype) != (
        restored.encoding,
        restored.collate,
        restored.ctype,
    ):
        out.append(
            LeftOut(
                "Encoding and locale",
                f"source {src.encoding} {src.collate}/{src.ctype}, restored "
                f"{restored.encoding} {restored.collate}/{restored.ctype}",
            )
        )
    out.append(
        LeftOut(
            "Tablespaces",
            (
                "objects of the source sit in "
                + ", ".join(src.tablespaces)
                + "; restored with --no-tablespaces into the default tablespace"
            )
            if src.tablespaces
            else f"none besides the default ({src.default_tablespace})",
        )
    )
    if src.comment:
        out.append(LeftOut("Database comment", f"not restored: {src.comment!r}"))
    out.append(
        LeftOut("Large objects", f"{src.large_objects} in the source; they are in the dump and their count is compared")
    )
    return tuple(out)
