"""``apply --baseline-from sqitch|flyway|golang-migrate|popx``: adopt what another tool already applied.

The tool's own history on the target (Sqitch ``sqitch.changes``/``events``, Flyway
``flyway_schema_history``, golang-migrate ``schema_migrations``, popx ``schema_migration``) is read, read-only;
each bundle whose ``origin`` (written by ``pgwarden import``) that history shows applied is recorded once in
pgwarden's ledger as ``applied``, with ``adopted_from`` naming the tool and table. A dirty or failed entry
is refused (exit 2): the other tool left something half done, and the operator must settle it first.
Adopted bundles must be a prefix of the package's order; after them, only the pending bundles run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgwarden import shipped_sql
from pgwarden.apply import ledger
from pgwarden.errors import BadInput
from pgwarden.package.manifest import Package
from pgwarden.pg.conn import read_only

TOOLS = ("sqitch", "flyway", "golang-migrate", "popx")
_TABLES = {"flyway": "flyway_schema_history", "golang-migrate": "schema_migrations", "popx": "schema_migration"}


@dataclass(frozen=True)
class Baseline:
    tool: str
    table: str                      # where the history was read
    applied: tuple[str, ...]        # bundle ids the history shows applied, in package order
    pending: tuple[str, ...]        # the rest


def _history(cur: psycopg.Cursor[Any], tool: str, pkg: Package) -> tuple[str, list[tuple[str, str | None]]]:
    if tool == "sqitch":
        cur.execute("SELECT to_regclass('sqitch.changes') IS NOT NULL AS ok")
        row = cur.fetchone()
        if not row or not row["ok"]:
            raise BadInput("--baseline-from sqitch: the target has no sqitch.changes table (Sqitch's registry)")
        cur.execute(shipped_sql.load("pgwarden.apply", "baseline/sqitch.sql"), {"project": pkg.name})
        return "sqitch.changes", [(r["key"], r["failed"]) for r in cur.fetchall()]
    cur.execute(shipped_sql.load("pgwarden.apply", "baseline/find_table.sql"), {"name": _TABLES[tool]})
    found = cur.fetchone()
    if found is None:
        raise BadInput(f"--baseline-from {tool}: the target has no {_TABLES[tool]} table ({tool}'s history)")
    table = f"{found['schema']}.{found['name']}"
    cur.execute(sql.SQL(shipped_sql.load("pgwarden.apply", f"baseline/{tool}.sql")).format(
        table=sql.Identifier(found["schema"], found["name"])))
    return table, [(r["key"], r["failed"]) for r in cur.fetchall()]


def read_baseline(conn: psycopg.Connection[Any], tool: str, pkg: Package) -> Baseline:
    """What ``tool``'s history on the target says of ``pkg``'s bundles (read-only)."""
    if tool not in TOOLS:
        raise BadInput(f"--baseline-from {tool!r}: expected one of {', '.join(TOOLS)}")
    with read_only(conn) as cur:
        table, rows = _history(cur, tool, pkg)
    bad = [(k, f) for k, f in rows if f]
    if bad:
        key, why = bad[0]
        word = "is dirty (a migration was cut short)" if why == "dirty" else f"records a {why} entry"
        raise BadInput(f"--baseline-from {tool}: {table} {word} at {key}; settle it with {tool} first (fix the "
                       "database, then mark the entry clean), then adopt", details=[f"{k}: {f}" for k, f in bad[1:]])
    keys = {k for k, _ in rows}
    mine = [b for b in pkg.bundles if b.origin and b.origin.startswith(f"{tool}:")]
    if not mine:
        raise BadInput(f"--baseline-from {tool}: no bundle of {pkg.name} has an origin from {tool} (origin = "
                       f"\"{tool}:…\", written by pgwarden import)")
    if tool == "golang-migrate":   # one row: the current version; everything up to it is applied
        current = max((int(k) for k in keys), default=-1)
        done = {b.id for b in mine if int((b.origin or ":-1").split(":", 1)[1]) <= current}
    else:
        done = {b.id for b in mine if b.origin and b.origin.split(":", 1)[1] in keys}
    order = [b.id for b in pkg.bundles]
    applied = [bid for bid in order if bid in done]
    pending = [bid for bid in order if bid not in done]
    if applied and pending and order.index(pending[0]) < order.index(applied[-1]):
        raise BadInput(f"--baseline-from {tool}: {table} shows {applied[-1]} applied but not {pending[0]}, which "
                       "comes before it in the package: refusing to guess the order",
                       details=[f"applied: {', '.join(applied)}"])
    return Baseline(tool, table, tuple(applied), tuple(pending))


def adopt(cur: psycopg.Cursor[Any], base: Baseline, pkg: Package, *, package_hash: str,
          pins: dict[str, str], already: Sequence[str], run_id: str, kit: str | None, db_role: str,
          started_at: str) -> tuple[str, ...]:
    """Record each applied bundle not yet in the ledger as ``applied`` (adopted); returns those ids."""
    out = []
    for i, b in enumerate(pkg.bundles, 1):
        if b.id not in base.applied or b.id in already:
            continue
        ledger.insert(cur, package=pkg.name, package_hash=package_hash, bundle=b.id, order=i,
                      bundle_sha256=pins[b.apply_rel], state=ledger.BundleState.APPLIED, started_at=started_at,
                      run_id=run_id, kit=kit, backup_sha256=None, db_role=db_role,
                      adopted_from=f"{base.tool} ({base.table})", note=f"adopted: {b.origin}")
        out.append(b.id)
    return tuple(out)
