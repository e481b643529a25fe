"""Sidecars: the current definition of every object a package replaces, alters or drops.

Each is runnable SQL (``pg_get_functiondef`` for routines, CREATE OR REPLACE VIEW with its options,
``pg_get_triggerdef``, ``pg_get_indexdef``, and ``pg_dump -t --schema-only`` for tables, sequences and
materialized views), written to the kit's ``sidecars/`` with its sha256, byte length and body md5.
The files carry no timestamp, so an unchanged object gives the same sha256 at ``check`` and at
``apply``. Everything is read in one read-only transaction (plus one pg_dump per table).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from pgwarden import proc, shipped_sql
from pgwarden.backup.schema_text import strip_restrict  # random keys: without them a sidecar is reproducible
from pgwarden.evidence.blocks import Section, Table, Text
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.pg import binaries as pgbin
from pgwarden.pg.conn import client_conninfo, read_only, session_limits
from pgwarden.private import write_private

_ROUTINE_KINDS = ("function", "procedure", "aggregate")
_DUMP_KINDS = ("table", "sequence", "materialized view", "foreign table")


@dataclass(frozen=True)
class SidecarTarget:
    """An existing object the package acts on. ``oid`` is the live object's OID."""

    kind: str  # function, procedure, aggregate, view, trigger, index, table, sequence, materialized view
    schema: str
    name: str
    oid: int


@dataclass(frozen=True)
class Sidecar:
    kind: str
    name: str  # schema-qualified identity, e.g. "public.fn(uuid,text,text)"
    path: str | None  # relative to the kit root (None when no kit was given)
    sha256: str
    bytes: int
    body_md5: str | None  # md5 of the body as the catalog holds it (prosrc, view/trigger/index definition)


@dataclass(frozen=True)
class SidecarsGate:
    """The sidecars gate's details (apply's gate 7): every definition captured before the change."""

    sidecars: tuple[Sidecar, ...]


def capture_sidecars(
    targets: Sequence[SidecarTarget], conn: psycopg.Connection[Any], dsn: str | None, kit: EvidenceKit | None
) -> tuple[Sidecar, ...]:
    """Capture (read-only) and, with a kit, write one sidecar per target.

    The targets of a package come from :func:`pgwarden.preflight.run.sidecar_targets`.
    """
    if not targets:
        return ()
    texts: list[tuple[SidecarTarget, str, str, str | None]] = []  # target, identity, sql, body md5
    with read_only(conn) as cur:
        cur.execute(
            "SELECT current_database()::text AS db, current_setting('server_version') AS v, "
            "current_setting('server_version_num')::int AS n"
        )
        env = cur.fetchone()
        assert env is not None
        texts += _by_query(
            cur, "routines.sql", [t for t in targets if t.kind in _ROUTINE_KINDS], lambda r: str(r["identity"])
        )
        texts += _by_query(
            cur, "views.sql", [t for t in targets if t.kind == "view"], lambda r: f"{r['schema']}.{r['name']}"
        )
        texts += _by_query(
            cur,
            "triggers.sql",
            [t for t in targets if t.kind == "trigger"],
            lambda r: f"{r['name']} ON {r['schema']}.{r['table_name']}",
        )
        texts += _by_query(
            cur, "indexes.sql", [t for t in targets if t.kind == "index"], lambda r: f"{r['schema']}.{r['name']}"
        )
    dumps = [t for t in targets if t.kind in _DUMP_KINDS]
    if dumps:
        texts += _pg_dump(dumps, conn, dsn, int(env["n"]) // 10000)
    out = []
    folder = kit.path("sidecars/_").parent if kit is not None else None  # creates sidecars/
    for target, identity, sql, body_md5 in sorted(texts, key=lambda x: (x[0].kind, x[1])):
        text = (
            f"-- pgwarden sidecar: {target.kind} {identity}\n"
            f"-- database {env['db']}, PostgreSQL {env['v']}: the definition before the package runs\n"
            f"{sql.rstrip().rstrip(';')};\n"
        )
        data = text.encode("utf-8")
        rel = None
        if folder is not None:
            name = _file_name(target.kind, identity)
            write_private(folder / name, data)
            rel = f"sidecars/{name}"
        out.append(Sidecar(target.kind, identity, rel, hashlib.sha256(data).hexdigest(), len(data), body_md5))
    if kit is not None:  # one event for all files (SHA256SUMS covers each file when the kit is sealed)
        kit.event(
            "sidecars",
            files=[
                {
                    "path": s.path,
                    "kind": s.kind,
                    "name": s.name,
                    "sha256": s.sha256,
                    "bytes": s.bytes,
                    "body_md5": s.body_md5,
                }
                for s in out
            ],
        )
    return tuple(out)


def _by_query(
    cur: psycopg.Cursor[Any], sql_file: str, targets: list[SidecarTarget], identity: Any
) -> list[tuple[SidecarTarget, str, str, str | None]]:
    if not targets:
        return []
    by_oid = {t.oid: t for t in targets}
    cur.execute(shipped_sql.load("pgwarden.preflight", f"sidecars/{sql_file}"), {"oids": sorted(by_oid)})
    out: list[tuple[SidecarTarget, str, str, str | None]] = []
    for row in cur.fetchall():
        t = by_oid[row["oid"]]
        out.append((t, identity(row), row["definition"], row["body_md5"]))
    return out


def _pg_dump(
    targets: list[SidecarTarget], conn: psycopg.Connection[Any], dsn: str | None, major: int
) -> list[tuple[SidecarTarget, str, str, str | None]]:
    """``pg_dump --schema-only -t`` per relation (a quoted pattern matches exactly one name)."""
    bins = pgbin.find(("pg_dump",), major=major, at_least=major)
    if dsn is not None:
        conninfo, env, secrets = client_conninfo(dsn, "pgwarden sidecars")
    else:
        conninfo = _conninfo(conn)
        env = {"PGPASSWORD": conn.info.password} if conn.info.password else {}
        secrets = tuple(env.values())
    out: list[tuple[SidecarTarget, str, str, str | None]] = []
    with tempfile.TemporaryDirectory(prefix="pgwarden-sidecar-") as tmp:
        for t in targets:
            pattern = f'"{t.schema.replace(chr(34), chr(34) * 2)}"."{t.name.replace(chr(34), chr(34) * 2)}"'
            dest = Path(tmp) / "dump.sql"
            proc.run(
                [
                    bins.path("pg_dump"),
                    "--schema-only",
                    "--no-password",
                    "-t",
                    pattern,
                    f"--lock-wait-timeout={session_limits().lock_timeout}",
                    "-d",
                    conninfo,
                ],
                env=env,
                inherit=proc.ChildEnv.CLIENT,
                stdout_path=dest,
                timeout=600,
                secrets=secrets,
            )
            text, _n = strip_restrict(dest.read_text(encoding="utf-8", errors="replace"))
            out.append((t, f"{t.schema}.{t.name}", text, hashlib.md5(text.encode("utf-8")).hexdigest()))
    return out


# Connection options every supported libpq knows (a newer libpq's defaults, e.g. sslcertmode, are left out).
_PORTABLE_OPTIONS = (
    "host",
    "hostaddr",
    "port",
    "user",
    "dbname",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "application_name",
    "options",
    "connect_timeout",
    "service",
    "target_session_attrs",
    "gssencmode",
    "krbsrvname",
    "passfile",
)


def _conninfo(conn: psycopg.Connection[Any]) -> str:
    params = conn.info.get_parameters()
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if k in _PORTABLE_OPTIONS and v})


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _file_name(kind: str, identity: str) -> str:
    base = _UNSAFE.sub("_", identity.split("(")[0].split(" ON ")[0])[:80]
    digest = hashlib.sha256(f"{kind}:{identity}".encode()).hexdigest()[:8]
    return f"{kind.replace(' ', '_')}-{base}-{digest}.sql"


def sidecars_section(sidecars: Sequence[Sidecar]) -> Section:
    """The sidecars, for the report."""
    if not sidecars:
        return Section("Sidecars", (Text("The package replaces, alters or drops no existing object."),), "sidecars")
    return Section(
        "Sidecars",
        (
            Table.of(
                "",
                ["kind", "object", "file", "sha256", "bytes", "body md5"],
                [(s.kind, s.name, s.path or "(not written)", s.sha256, s.bytes, s.body_md5 or "") for s in sidecars],
            ),
        ),
        "sidecars",
    )
