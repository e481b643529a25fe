"""Connections: every connection error becomes one clear, redacted line with exit code 3."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.redact import redact_dsn, redact_text


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
