"""``apply --baseline-from sqitch|flyway|golang-migrate|popx``: adopt what another tool already applied.

The tool's own history on the target (Sqitch ``sqitch.changes``/``events``, Flyway
``flyway_schema_history``, golang-migrate ``schema_migrations``, popx ``schema_migration``) is read, read-only;
each bundle whose ``origin`` (written by ``pgwarden import``) that history shows applied is recorded once in
pgwarden's ledger as ``applied``, with ``adopted_from`` naming the tool and table. A dirty or failed entry
is refused (exit 2): the other tool left something half done, and the operator must settle it first.
Adopted bundles must be a prefix of the package's order; after them, only the pending bundles run.

The history is data, never code, and whoever can create objects in the database may have planted it. It is
read only from an ordinary table (never a view, materialized view, foreign or partitioned table) in the schema
the tool uses: Sqitch's registry schema ``sqitch``, else ``--baseline-schema``; for the others exactly
``--baseline-schema``, or else the one schema that has a relation of that name (several is exit 2, naming each:
nothing is ever chosen by ``search_path``). Its owner must be its schema's owner (or a role with that owner's
privileges), the current user or a superuser; every column read must be a stored column of a built-in type.
The rows are read by ``COPY`` of the locked table with ``row_security`` off: no query is planned on it (the
planner would evaluate its index and statistics expressions), and no policy hides a row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.numeric import Oid

from pgwarden import shipped_sql
from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.importing.model import TOOLS
from pgwarden.ledger import ledger
from pgwarden.package.manifest import Package
from pgwarden.pg.conn import read_only

_TABLES = {"flyway": "flyway_schema_history", "golang-migrate": "schema_migrations", "popx": "schema_migration"}
SQITCH_REGISTRY = "sqitch"  # Sqitch's default registry schema (its ``registry`` setting names another)

_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "c": "composite type",
    "t": "TOAST table",
}
_TEXT = ("text", "varchar")
_INT = ("int2", "int4", "int8")
_TIME = ("timestamptz", "timestamp")
# The columns pgwarden reads of each history table, in this order, with the pg_catalog types it accepts.
_COLUMNS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "flyway_schema_history": (
        ("installed_rank", _INT),
        ("version", _TEXT),
        ("description", _TEXT),
        ("type", _TEXT),
        ("success", ("bool",)),
    ),
    "schema_migrations": (("version", (*_INT, *_TEXT)), ("dirty", ("bool",))),
    "schema_migration": (("version", _TEXT),),
    "changes": (("change", _TEXT), ("project", _TEXT)),
    "events": (("event", _TEXT), ("change", _TEXT), ("project", _TEXT), ("committed_at", _TIME)),
}
_FLYWAY_SKIPPED = ("BASELINE", "SCHEMA", "DELETE")
_GOLANG_VERSION = re.compile(r"-?[0-9]{1,19}")  # golang-migrate's version: a signed 64-bit integer


@dataclass(frozen=True)
class Baseline:
    tool: str
    table: str  # where the history was read
    applied: tuple[str, ...]  # bundle ids the history shows applied, in package order
    pending: tuple[str, ...]  # the rest


@dataclass(frozen=True)
class _Relation:
    """A relation named like a history table, as the catalog describes it."""

    oid: int
    schema: str
    name: str
    relkind: str
    owner: str
    schema_owner: str
    trusted: bool

    @property
    def shown(self) -> str:
        return f"{_ident(self.schema)}.{_ident(self.name)}"

    @property
    def kind(self) -> str:
        return _KINDS.get(self.relkind, f"relation of kind {self.relkind!r}")


def _ident(name: str) -> str:
    """An identifier for a message: bare when plain, else double-quoted with control characters escaped."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name.replace('"', '""')) + '"'


def _value(v: object) -> str:
    """A value read from the target, for a message: quoted, escaped, at most 60 characters."""
    text = str(v)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _article(kind: str) -> str:
    return ("an " if kind[0] in "aeiouAEIOU" else "a ") + kind


def _candidates(cur: psycopg.Cursor[Any], name: str) -> list[_Relation]:
    cur.execute(shipped_sql.load("pgwarden.ledger", "baseline/find_table.sql"), {"name": name})
    return sorted(
        (
            _Relation(
                int(r["oid"]), r["schema"], r["name"], r["relkind"], r["owner"], r["schema_owner"], bool(r["trusted"])
            )
            for r in cur.fetchall()
        ),
        key=lambda r: r.schema,
    )


def _trust(tool: str, rel: _Relation) -> None:
    """Refuse what is not an ordinary table, or is owned by a role pgwarden has no reason to trust."""
    if rel.relkind != "r":
        raise BadInput(
            f"--baseline-from {tool}: {rel.shown} is {_article(rel.kind)}, not a table: pgwarden reads "
            "another tool's history only from an ordinary table"
        )
    if not rel.trusted:
        raise BadInput(
            f"--baseline-from {tool}: {rel.shown} is owned by {_ident(rel.owner)}: not the owner of "
            f"schema {_ident(rel.schema)} ({_ident(rel.schema_owner)}) or a role with its privileges, not "
            "the current user, not a superuser: refusing a history another role could have planted"
        )


def _locate(cur: psycopg.Cursor[Any], tool: str, name: str, schema: str | None) -> _Relation:
    """The one relation ``name`` the tool would use: in ``schema`` when given, else the only one there is."""
    found = _candidates(cur, name)
    hits = found if schema is None else [r for r in found if r.schema == schema]
    if not hits:
        where = name if schema is None else f"{_ident(schema)}.{_ident(name)}"
        elsewhere = [f"there is {r.shown} ({r.kind}, owner {_ident(r.owner)})" for r in found]
        raise BadInput(f"--baseline-from {tool}: the target has no {where} table ({tool}'s history)", details=elsewhere)
    if len(hits) > 1:
        listed = "; ".join(f"{r.shown} ({r.kind}, owner {_ident(r.owner)})" for r in hits)
        raise BadInput(
            f"--baseline-from {tool}: {name} exists in {len(hits)} schemas: {listed}; name the one "
            f"{tool} uses with --baseline-schema"
        )
    _trust(tool, hits[0])
    return hits[0]


def _read(cur: psycopg.Cursor[Any], tool: str, rel: _Relation) -> list[tuple[Any, ...]]:
    """The rows of the columns pgwarden reads of ``rel``, after locking it and checking it again."""
    table = sql.Identifier(rel.schema, rel.name)
    try:
        cur.execute(sql.SQL(shipped_sql.load("pgwarden.ledger", "baseline/lock.sql")).format(table=table))
    except psycopg.errors.LockNotAvailable:
        raise EnvironmentProblem(
            f"--baseline-from {tool}: {rel.shown} is locked by another session (a migration "
            "running?); run again when it is done"
        ) from None
    now = [r for r in _candidates(cur, rel.name) if r.schema == rel.schema]
    if not now or now[0].oid != rel.oid:
        raise EnvironmentProblem(f"--baseline-from {tool}: {rel.shown} was replaced while pgwarden read it; run again")
    _trust(tool, now[0])
    cur.execute(shipped_sql.load("pgwarden.ledger", "baseline/columns.sql"), {"oid": Oid(rel.oid)})
    have = {r["name"]: r for r in cur.fetchall()}
    types = []
    for column, accepted in _COLUMNS[rel.name]:
        col = have.get(column)
        if col is None:
            raise BadInput(f"--baseline-from {tool}: {rel.shown} has no column {column}: not {tool}'s history")
        shown = (
            col["type_name"]
            if col["type_schema"] == "pg_catalog"
            else f"{_ident(col['type_schema'])}.{_ident(col['type_name'])}"
        )
        if col["type_schema"] != "pg_catalog" or col["type_kind"] != "b" or col["type_name"] not in accepted:
            raise BadInput(
                f"--baseline-from {tool}: {rel.shown}.{column} is of type {shown}, expected "
                f"{' or '.join(accepted)}: pgwarden reads another tool's history only as built-in types"
            )
        if col["generated"]:
            raise BadInput(
                f"--baseline-from {tool}: {rel.shown}.{column} is a generated column: pgwarden reads "
                "another tool's history only from stored values"
            )
        # timestamps are read as their binary form, int8 microseconds: exact order, no DateStyle, infinity too
        types.append("int8" if col["type_name"] in _TIME else col["type_name"])
    copy = sql.SQL(shipped_sql.load("pgwarden.ledger", "baseline/read.sql")).format(
        table=table, columns=sql.SQL(", ").join(sql.Identifier(c) for c, _ in _COLUMNS[rel.name])
    )
    try:
        with cur.copy(copy) as cp:
            cp.set_types(types)
            return list(cp.rows())
    except psycopg.errors.InsufficientPrivilege as exc:  # no SELECT, or a row-level security policy applies
        raise EnvironmentProblem(
            f"--baseline-from {tool}: cannot read {rel.shown}: {exc.diag.message_primary or exc}"
        ) from None


def _history(
    cur: psycopg.Cursor[Any], tool: str, pkg: Package, schema: str | None
) -> tuple[str, list[tuple[str, str | None]]]:
    """(where the history was read, [(key, why it is not clean or None)])."""
    # row security off: a policy that would apply makes the read fail; it never hides a row
    cur.execute("SELECT pg_catalog.set_config('row_security'::pg_catalog.text, 'off'::pg_catalog.text, true)")
    if tool == "sqitch":
        registry = schema or SQITCH_REGISTRY
        changes, events = (_locate(cur, tool, t, registry) for t in ("changes", "events"))
        keys = [
            (str(change), None)
            for change, project in _read(cur, tool, changes)
            if project == pkg.name and change is not None
        ]
        last: dict[str, tuple[bool, int, str | None]] = {}  # change -> its latest event (NULL time counts latest)
        for event, change, project, at in _read(cur, tool, events):
            if project == pkg.name and change is not None:
                when = (at is None, at or 0, event)
                if change not in last or when[:2] > last[change][:2]:
                    last[change] = when
        return changes.shown, keys + [(c, "fail") for c, (_n, _t, e) in last.items() if e == "fail"]
    rel = _locate(cur, tool, _TABLES[tool], schema)
    rows = _read(cur, tool, rel)
    if tool == "flyway":
        out: list[tuple[str, str | None]] = []
        for _rank, version, description, kind, success in sorted(rows, key=lambda r: (r[0] is None, r[0] or 0)):
            if kind is None or kind in _FLYWAY_SKIPPED or (version is None and description is None):
                continue
            out.append((f"V:{version}" if version is not None else f"R:{description}", None if success else "failed"))
        return rel.shown, out
    if tool == "golang-migrate":
        for version, _dirty in rows:
            if version is None or not _GOLANG_VERSION.fullmatch(str(version)):
                raise BadInput(
                    f"--baseline-from {tool}: {rel.shown} records version {_value(version)}, which is "
                    "not a golang-migrate version (an integer): refusing to guess what it applied"
                )
        return rel.shown, [(str(v), None if d is False else "dirty") for v, d in rows]
    return rel.shown, [(str(v[0]), None) for v in rows if v[0] is not None]


def _origin_version(tool: str, origin: str, bundle: str) -> int:
    version = origin.split(":", 1)[1]
    if not _GOLANG_VERSION.fullmatch(version):
        raise BadInput(
            f"--baseline-from {tool}: bundle {bundle} has origin {_value(origin)}, whose version is not "
            "an integer: fix the origin in pgwarden.toml (pgwarden import writes golang-migrate:<version>)"
        )
    return int(version)


def read_baseline(conn: psycopg.Connection[Any], tool: str, pkg: Package, schema: str | None = None) -> Baseline:
    """What ``tool``'s history on the target says of ``pkg``'s bundles (read-only); ``schema`` is
    ``--baseline-schema``: where the tool keeps its history (Sqitch's registry)."""
    if tool not in TOOLS:
        raise BadInput(f"--baseline-from {tool!r}: expected one of {', '.join(TOOLS)}")
    if schema is not None and not 0 < len(schema.encode("utf-8")) < 64:
        raise BadInput(f"--baseline-schema {_value(schema)}: not a schema name (1 to 63 bytes)")
    mine = [b for b in pkg.bundles if b.origin and b.origin.startswith(f"{tool}:")]
    if not mine:
        raise BadInput(
            f"--baseline-from {tool}: no bundle of {pkg.name} has an origin from {tool} (origin = "
            f'"{tool}:…", written by pgwarden import)'
        )
    origins = {b.id: _origin_version(tool, b.origin or "", b.id) for b in mine} if tool == "golang-migrate" else {}
    with read_only(conn) as cur:
        table, rows = _history(cur, tool, pkg, schema)
    bad = [(k, f) for k, f in rows if f]
    if bad:
        key, why = bad[0]
        word = "is dirty (a migration was cut short)" if why == "dirty" else f"records a {why} entry"
        raise BadInput(
            f"--baseline-from {tool}: {table} {word} at {_value(key)}; settle it with {tool} first (fix "
            "the database, then mark the entry clean), then adopt",
            details=[f"{_value(k)}: {f}" for k, f in bad[1:]],
        )
    keys = {k for k, _ in rows}
    if tool == "golang-migrate":  # one row: the current version; everything up to it is applied
        current = max((int(k) for k in keys), default=-1)
        done = {bid for bid, version in origins.items() if version <= current}
    else:
        done = {b.id for b in mine if b.origin and b.origin.split(":", 1)[1] in keys}
    order = [b.id for b in pkg.bundles]
    applied = [bid for bid in order if bid in done]
    pending = [bid for bid in order if bid not in done]
    if applied and pending and order.index(pending[0]) < order.index(applied[-1]):
        raise BadInput(
            f"--baseline-from {tool}: {table} shows {applied[-1]} applied but not {pending[0]}, which "
            "comes before it in the package: refusing to guess the order",
            details=[f"applied: {', '.join(applied)}"],
        )
    return Baseline(tool, table, tuple(applied), tuple(pending))


def adopt(
    cur: psycopg.Cursor[Any],
    base: Baseline,
    pkg: Package,
    *,
    package_hash: str,
    pins: dict[str, str],
    already: Sequence[str],
    run_id: str,
    kit: str | None,
    db_role: str,
    started_at: str,
) -> tuple[str, ...]:
    """Record each applied bundle not yet in the ledger as ``applied`` (adopted); returns those ids."""
    out = []
    for i, b in enumerate(pkg.bundles, 1):
        if b.id not in base.applied or b.id in already:
            continue
        ledger.insert(
            cur,
            package=pkg.name,
            package_hash=package_hash,
            bundle=b.id,
            order=i,
            bundle_sha256=pins[b.apply_rel],
            state=ledger.BundleState.APPLIED,
            started_at=started_at,
            run_id=run_id,
            kit=kit,
            backup_sha256=None,
            db_role=db_role,
            adopted_from=f"{base.tool} ({base.table})",
            note=f"adopted: {b.origin}",
        )
        out.append(b.id)
    return tuple(out)
