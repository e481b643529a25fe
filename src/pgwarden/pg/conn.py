"""Connections: every connection error becomes one clear, redacted line with exit code 3.

Every session pgwarden opens carries a ``statement_timeout``, a ``lock_timeout`` and an
``idle_in_transaction_session_timeout`` (defaults below; ``PGWARDEN_STATEMENT_TIMEOUT`` and
``PGWARDEN_LOCK_TIMEOUT`` override them), and on PostgreSQL 14 and newer a
``client_connection_check_interval``, so that a backend whose pgwarden was killed notices within
seconds, even while it waits on a lock. An interrupted session's query is cancelled on the server
before the connection closes. Before its first query, every session's ``search_path`` is pinned to
``pg_catalog, pg_temp`` (:mod:`pgwarden.pg.search_path`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.pg import search_path
from pgwarden.redact import dsn_secrets, redact_dsn, redact_text

DEFAULT_STATEMENT_TIMEOUT = "5min"
DEFAULT_LOCK_TIMEOUT = "5s"
IDLE_IN_TRANSACTION_TIMEOUT = "10min"
CLIENT_CHECK_INTERVAL = "2s"


@dataclass(frozen=True)
class SessionLimits:
    """The limits every pgwarden session runs under (recorded in the kit)."""

    statement_timeout: str
    lock_timeout: str
    idle_in_transaction_session_timeout: str = IDLE_IN_TRANSACTION_TIMEOUT
    client_connection_check_interval: str = CLIENT_CHECK_INTERVAL


def session_limits() -> SessionLimits:
    return SessionLimits(
        os.environ.get("PGWARDEN_STATEMENT_TIMEOUT") or DEFAULT_STATEMENT_TIMEOUT,
        os.environ.get("PGWARDEN_LOCK_TIMEOUT") or DEFAULT_LOCK_TIMEOUT,
    )


def _password_of(dsn: str) -> str:
    try:
        return str(psycopg.conninfo.conninfo_to_dict(dsn).get("password") or "")
    except psycopg.Error:
        return ""


def connect(
    dsn: str | None,
    *,
    autocommit: bool = True,
    application_name: str = "pgwarden",
    connect_timeout: int = 10,
    limits: SessionLimits | None = None,
) -> psycopg.Connection[Any]:
    """Open a connection with the session limits; on failure raise :class:`EnvironmentProblem` with a
    redacted message (a malformed DSN is :class:`BadInput`)."""
    dsn = dsn or ""
    secrets = (*dsn_secrets(dsn), _password_of(dsn))
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise BadInput(f"invalid DSN {redact_dsn(dsn)!r}: {redact_text(str(exc).strip(), secrets)}") from None
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=autocommit,
            application_name=application_name,
            connect_timeout=connect_timeout,
            client_encoding="UTF8",
        )
    except psycopg.OperationalError as exc:
        text = " ".join(line.strip() for line in str(exc).strip().splitlines()) or "connection failed"
        msg = redact_text(text, secrets)
        raise EnvironmentProblem(f"cannot connect to {redact_dsn(dsn) or '(PG* environment)'}: {msg}") from None
    try:
        search_path.pin(conn)  # before the first query that resolves a name
        _apply_limits(conn, limits or session_limits())
    except BaseException:
        conn.close()
        raise
    return conn


def _apply_limits(conn: psycopg.Connection[Any], limits: SessionLimits) -> None:
    """The session's limits, and the settings a database's owner could otherwise choose for pgwarden's session
    (``ALTER DATABASE … SET``): string literals as the parser reads them, no session ended for idling between
    gates, no transaction cut short by a length a role chose. The client encoding is UTF8 from the start."""
    settings = {
        "statement_timeout": limits.statement_timeout,
        "lock_timeout": limits.lock_timeout,
        "idle_in_transaction_session_timeout": limits.idle_in_transaction_session_timeout,
        "standard_conforming_strings": "on",
    }
    if conn.info.server_version >= 140000:
        settings["client_connection_check_interval"] = limits.client_connection_check_interval
        settings["idle_session_timeout"] = "0"
    if conn.info.server_version >= 170000:
        settings["transaction_timeout"] = "0"
    query = "SELECT " + ", ".join(
        "pg_catalog.set_config(%s::pg_catalog.text, %s::pg_catalog.text, false)" for _ in settings
    )
    try:
        conn.execute(query, [x for kv in settings.items() for x in kv])
        if not conn.autocommit:
            conn.commit()
    except psycopg.errors.InvalidParameterValue as exc:
        raise BadInput(
            f"PGWARDEN_STATEMENT_TIMEOUT={limits.statement_timeout!r} or PGWARDEN_LOCK_TIMEOUT="
            f"{limits.lock_timeout!r}: {exc.diag.message_primary or exc}"
        ) from None


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
    """A connection that is closed on exit; if the block is interrupted (a signal, an error) while a
    query runs, that query is cancelled on the server first, so no backend is left working for nobody."""
    conn = connect(dsn, **kwargs)
    try:
        yield conn
    except BaseException:
        if not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.ACTIVE:
            with contextlib.suppress(Exception):
                conn.cancel_safe(timeout=3.0)
        raise
    finally:
        conn.close()


@contextlib.contextmanager
def read_only(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
    """A read-only transaction that is always rolled back."""
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        yield cur
