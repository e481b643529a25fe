"""The package's ``[settings]`` around its statements: ``SET LOCAL`` inside a transaction, or for the session
around a non-atomic (``transaction = false``) statement, then back to pgwarden's own pinned session."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import psycopg

from pgwarden.pg import search_path
from pgwarden.runner.statements import lost


def enter(cur: psycopg.Cursor[Any], settings: Mapping[str, str]) -> None:
    """Inside a transaction: the package's search_path and [settings], ``SET LOCAL``."""
    search_path.enter_package(cur, settings)


@contextlib.contextmanager
def for_session(conn: psycopg.Connection[Any], settings: Mapping[str, str]) -> Iterator[psycopg.Cursor[Any]]:
    """Outside a transaction: the package's path and settings for the session while the block runs; then
    pgwarden's pin and each setting's previous value come back (not after an interrupt or a lost connection:
    the statement is still being cancelled, or the session is gone)."""
    previous: dict[str, str] = {}
    with conn.cursor() as cur:
        for name in settings:
            if name.lower() == "search_path":
                continue
            row = cur.execute("SELECT pg_catalog.current_setting(%s::pg_catalog.text, true)", (name,)).fetchone()
            previous[name] = str(row[0]) if row and row[0] is not None else ""
        search_path.enter_package(cur, settings, local=False)
        try:
            yield cur
        finally:
            if not lost(conn) and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                search_path.repin_session(cur)
                for name, value in previous.items():
                    cur.execute(
                        "SELECT pg_catalog.set_config(%s::pg_catalog.text, %s::pg_catalog.text, false)", (name, value)
                    )
