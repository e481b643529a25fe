"""Connections and server identity.

Every connection error becomes one clear, redacted line with exit code 3. Identity is read with one
query from ``sql/identity.sql`` and compared against a ``[target]`` guard field by field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pgwarden import sqlfiles
from pgwarden.errors import BadInput, EnvironmentProblem, GateFailed
from pgwarden.redact import redact_dsn, redact_text


@dataclass(frozen=True)
class ServerIdentity:
    server_version: str
    server_major: int
    database: str
    role: str
    superuser: bool
    system_identifier: str
    data_checksums: bool
    encoding: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _password_of(dsn: str) -> str:
    try:
        return str(psycopg.conninfo.conninfo_to_dict(dsn).get("password") or "")
    except psycopg.Error:
        return ""


def connect(dsn: str | None, *, autocommit: bool = True, application_name: str = "pgwarden",
            connect_timeout: int = 10) -> psycopg.Connection[Any]:
    """Open a connection; on failure raise :class:`EnvironmentProblem` with a redacted message."""
    dsn = dsn or ""
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise BadInput(f"invalid DSN {redact_dsn(dsn)!r}: {redact_text(str(exc).strip())}") from None
    try:
        return psycopg.connect(dsn, autocommit=autocommit, application_name=application_name,
                               connect_timeout=connect_timeout)
    except psycopg.OperationalError as exc:
        text = " ".join(line.strip() for line in str(exc).strip().splitlines()) or "connection failed"
        msg = redact_text(text, (_password_of(dsn),))
        raise EnvironmentProblem(f"cannot connect to {redact_dsn(dsn) or '(PG* environment)'}: {msg}") \
            from None


def client_conninfo(dsn: str | None, application_name: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """(conninfo without its password, env carrying PGPASSWORD, secrets to redact) for a client tool.

    pg_dump and friends must never see a password on their command line.
    """
    params = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(dsn or "").items() if v is not None}
    password = params.pop("password", "")
    params.setdefault("application_name", application_name)
    env = {"PGPASSWORD": password} if password else {}
    return psycopg.conninfo.make_conninfo(**params), env, ((password,) if password else ())


@contextlib.contextmanager
def connection(dsn: str | None, **kwargs: Any) -> Iterator[psycopg.Connection[Any]]:
    conn = connect(dsn, **kwargs)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def read_only(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
    """A read-only transaction that is always rolled back."""
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        yield cur


def identity(conn: psycopg.Connection[Any]) -> ServerIdentity:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sqlfiles.load("identity.sql"))
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
        return identity(conn)


GUARD_KEYS = ("database", "server_major", "role", "superuser", "system_identifier", "data_checksums",
              "server_version")


@dataclass(frozen=True)
class GuardMismatch:
    field: str
    expected: str
    actual: str


def compare_guard(ident: ServerIdentity, guard: Mapping[str, Any]) -> list[GuardMismatch]:
    """Each guard key that is given must match the live server."""
    out: list[GuardMismatch] = []
    live = ident.as_dict()
    for key, expected in guard.items():
        if key not in GUARD_KEYS:
            raise BadInput(f"[target]: unknown key {key!r}; expected one of {', '.join(GUARD_KEYS)}")
        actual = live[key]
        if isinstance(actual, bool):
            same = isinstance(expected, bool) and expected == actual
        elif isinstance(actual, int):
            same = str(expected) == str(actual)
        else:
            same = str(expected) == str(actual)
        if not same:
            out.append(GuardMismatch(key, str(expected), str(actual)))
    return out


def check_guard(ident: ServerIdentity, guard: Mapping[str, Any]) -> None:
    """Raise :class:`GateFailed` listing every differing field, expected against actual."""
    mismatches = compare_guard(ident, guard)
    if mismatches:
        raise GateFailed(
            "identity guard failed: the live server is not the [target]",
            details=[f"{m.field}: expected {m.expected}, actual {m.actual}" for m in mismatches],
        )
