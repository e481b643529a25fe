"""Reading a server's identity, and ``pgwarden identity``: who is this server, and is it the ``[target]``?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pgwarden import shipped_sql
from pgwarden.errors import BadInput
from pgwarden.pg.conn import connection
from pgwarden.pg.guard import GuardMismatch, ServerIdentity, compare_guard
from pgwarden.userfiles import read_toml


def read_identity(conn: psycopg.Connection[Any]) -> ServerIdentity:
    """The identity of the connected server (one query, ``sql/identity.sql``)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(shipped_sql.load("pgwarden.pg", "identity.sql"))
        row = cur.fetchone()
    assert row is not None
    return ServerIdentity(
        server_version=row["server_version"],
        server_major=row["server_version_num"] // 10000,
        database=row["database"],
        role=row["role"],
        superuser=bool(row["superuser"]),
        system_identifier=row["system_identifier"],
        data_checksums=bool(row["data_checksums"]),
        encoding=row["encoding"],
    )


def identity_of(dsn: str | None) -> ServerIdentity:
    with connection(dsn) as conn:
        return read_identity(conn)


@dataclass(frozen=True)
class IdentityReport:
    identity: ServerIdentity
    target: dict[str, Any]
    mismatches: tuple[GuardMismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def load_target(path: Path) -> dict[str, Any]:
    """The ``[target]`` table of a manifest (or any TOML file that has one)."""
    data = read_toml(path, "target file")
    target = data.get("target")
    if not isinstance(target, dict):
        raise BadInput(f"{path}: no [target] table")
    return dict(target)


def identity(dsn: str | None, target_file: Path | None = None) -> IdentityReport:
    """``pgwarden identity``: the server's identity; with ``target_file``, its ``[target]`` compared."""
    target = load_target(target_file) if target_file else {}
    ident = identity_of(dsn)
    return IdentityReport(ident, target, tuple(compare_guard(ident, target)))
