"""pgwarden's own statements never resolve a name through a ``search_path`` that a target role can write to.

A role that merely owns the application's database can create functions, operators, types and relations in
``public``, and ``ALTER DATABASE … SET search_path`` so that ``public`` comes before ``pg_catalog``: every
unqualified name pgwarden sends as a superuser could then run that role's code (the CVE-2018-1058 class).
So every session pgwarden opens is pinned, before its first query, to ``search_path = pg_catalog, pg_temp``
(``pg_temp`` last: it is then searched for relations after ``pg_catalog``, and never for functions or
operators). ``SHOW`` and ``SET`` are utility statements that resolve nothing, so the pin itself is immune.

User SQL (bundles, rollbacks, rollback-only probes, ``[verify]``, ``probe --query``, the expressions of a data
check, the statements preflight describes) runs under the path it was written for: the package's
``[settings] search_path``, else the session's own default, captured by ``SHOW`` before the pin (what psql
would have had). That path is set ``LOCAL`` only around the user SQL (:func:`user_scope`), and pinned again
before pgwarden's next statement; a bundle that ``SET``\\s the path for its session is pinned back by
:func:`repin_session` inside its own transaction. pgwarden's words inside such a scope are schema-qualified
with explicit casts.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import psycopg

PINNED = "pg_catalog, pg_temp"
_SET = "SELECT pg_catalog.set_config('search_path', %s::pg_catalog.text, %s::pg_catalog.bool)"
_defaults: weakref.WeakKeyDictionary[psycopg.Connection[Any], str] = weakref.WeakKeyDictionary()


def pin(conn: psycopg.Connection[Any]) -> str:
    """Capture the session's default path, then pin it; returns the default. No name is resolved. The role is
    the login role too: a database's owner may ``ALTER DATABASE … SET role``, which would make pgwarden's
    session that owner's (and every trust check ask about the wrong role)."""
    row = conn.execute("SHOW search_path").fetchone()
    default = str(row[0]) if row and row[0] is not None else ""
    conn.execute(f"SET search_path TO {PINNED}; SET ROLE NONE")
    _defaults[conn] = default
    return default


def target_default(conn: psycopg.Connection[Any]) -> str:
    """The search_path the target gives this role in this database (captured before the pin). A connection
    pgwarden did not open (a library caller's) is pinned here, the first time it is seen outside a
    transaction; inside one, its current path is taken as its default and pinned for that transaction."""
    found = _defaults.get(conn)
    if found is not None:
        return found
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE and not conn.autocommit:
        with conn.transaction():
            return pin(conn)
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        return pin(conn)
    row = conn.execute("SHOW search_path").fetchone()
    conn.execute(_SET, (PINNED, True))
    return str(row[0]) if row and row[0] is not None else ""


def package_path(conn: psycopg.Connection[Any], settings: Mapping[str, str] | None) -> str:
    """The path a package's SQL runs under: its ``[settings] search_path``, else the target's default."""
    for key, value in (settings or {}).items():
        if key.lower() == "search_path":
            return str(value)
    return target_default(conn)


def set_local(cur: psycopg.Cursor[Any], path: str) -> None:
    cur.execute(_SET, (path, True))


def repin_local(cur: psycopg.Cursor[Any]) -> None:
    """Back to the pinned path for the rest of this transaction."""
    cur.execute(_SET, (PINNED, True))


def repin_session(cur: psycopg.Cursor[Any]) -> None:
    """Inside a transaction that ran user SQL: the session's path is pinned again when it commits, whatever
    ``SET search_path`` the user SQL did (a rollback reverts the user's SET and this together); and for the rest
    of the transaction (pgwarden's ledger row) the login role is the current one, whatever ``SET ROLE`` it did."""
    cur.execute(_SET + ", pg_catalog.set_config('role', 'none', true)", (PINNED, False))


def enter_package(cur: psycopg.Cursor[Any], settings: Mapping[str, str], *, local: bool = True) -> None:
    """The package's path (:func:`package_path`) and every other ``[settings]`` value, in one statement:
    ``LOCAL`` to the transaction, or with ``local=False`` for the session (a non-atomic bundle)."""
    path = package_path(cur.connection, settings)
    others = [(k, v) for k, v in settings.items() if k.lower() != "search_path"]
    calls = ["pg_catalog.set_config(%s::pg_catalog.text, %s::pg_catalog.text, %s::pg_catalog.bool)"] * (1 + len(others))
    params: list[Any] = ["search_path", path, local]
    for name, value in others:
        params += [name, str(value), local]
    cur.execute("SELECT " + ", ".join(calls), params)


def _txn_ok(cur: psycopg.Cursor[Any]) -> bool:
    conn = cur.connection
    return not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS


@contextlib.contextmanager
def user_scope(cur: psycopg.Cursor[Any], path: str) -> Iterator[None]:
    """Run the block's user SQL under ``path`` (LOCAL to the transaction), then pin it again. A block that
    fails leaves the transaction aborted, and its rollback reverts the path with everything else."""
    set_local(cur, path)
    try:
        yield
    finally:
        if _txn_ok(cur):
            repin_local(cur)


def schemas_of(cur: psycopg.Cursor[Any], path: str) -> list[str]:
    """The schemas ``path`` searches, in order, as the server expands it (``$user``, implicit ``pg_catalog``,
    the session's temporary schema), for catalog queries that must look where the user SQL will look."""
    with user_scope(cur, path):
        cur.execute("SELECT pg_catalog.current_schemas(true)::pg_catalog.text[] AS s")
        row = cur.fetchone()
    value = row["s"] if isinstance(row, dict) else row[0] if row else None
    return [str(s) for s in value or ()]
