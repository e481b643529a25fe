"""The real-world fixture (``tests/_realworld.py``) on PostgreSQL 15 and 18: a real ``pg_dump -Fc`` of it
has every kind of TOC entry it promises, and the objects it names exist in the catalog."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import psycopg

from pgwarden import proc
from tests import _realworld
from tests.conftest import Server

WANTED_KINDS = (
    "POLICY",
    "EVENT TRIGGER",
    "PUBLICATION",
    "PUBLICATION TABLE",
    "CAST",
    "DOMAIN",
    "AGGREGATE",
    "MATERIALIZED VIEW",
    "TABLE ATTACH",
    "ACL",
    "DEFAULT ACL",
    "FK CONSTRAINT",
)
# pg_dump's descriptions of more than one word (``pg_restore -l`` puts the description first, then the
# schema, name and owner): an entry's kind is the longest of these it starts with, else its first word.
MULTIWORD_KINDS = (
    "TABLE DATA",
    "TABLE ATTACH",
    "INDEX ATTACH",
    "FK CONSTRAINT",
    "CHECK CONSTRAINT",
    "DEFAULT ACL",
    "MATERIALIZED VIEW DATA",
    "MATERIALIZED VIEW",
    "EVENT TRIGGER",
    "PUBLICATION TABLE",
    "PUBLICATION TABLES IN SCHEMA",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "ROW SECURITY",
    "STATISTICS DATA",
    "FOREIGN TABLE",
    "SHELL TYPE",
    "PROCEDURAL LANGUAGE",
    "LARGE OBJECT",
)
_ENTRY = re.compile(r"^\d+; \d+ \d+ (?P<rest>.+)$")


def toc_kinds(listing: str) -> list[str]:
    """The kind of every entry of a ``pg_restore -l`` listing (comment lines, starting with ``;``, skipped)."""
    kinds = []
    for line in listing.splitlines():
        m = _ENTRY.match(line)
        if m is None:
            continue
        rest = m["rest"]
        multi = [k for k in MULTIWORD_KINDS if rest.startswith(k + " ")]
        kinds.append(max(multi, key=len) if multi else rest.split(" ", 1)[0])
    return kinds


def test_toc_kinds_parses_multiword_descriptions() -> None:
    listing = (
        "; Archive created at 2026-01-01\n;\n"
        "1; 2615 2200 SCHEMA - public postgres\n"
        "2; 0 0 ACL - SCHEMA public postgres\n"
        "3; 6106 1 PUBLICATION TABLE public rw_pub t postgres\n"
        "4; 6104 2 PUBLICATION - rw_pub postgres\n"
        "5; 0 3 MATERIALIZED VIEW DATA public mv postgres\n"
        "6; 1259 4 MATERIALIZED VIEW public mv postgres\n"
        ";7; 1259 5 TABLE public commented_out postgres\n"
    )
    assert toc_kinds(listing) == [
        "SCHEMA",
        "ACL",
        "PUBLICATION TABLE",
        "PUBLICATION",
        "MATERIALIZED VIEW DATA",
        "MATERIALIZED VIEW",
    ]


def _one(conn: psycopg.Connection[Any], sql: str, params: tuple[object, ...] = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]


def test_realworld_fixture(pg_server: Server, tmp_path: Path) -> None:
    where = pg_server.describe()
    _realworld.build(pg_server.dsn())  # once, then again on top: build must be re-runnable on one server
    started = time.monotonic()
    rw = _realworld.build(pg_server.dsn())
    seconds = time.monotonic() - started
    try:
        dsn = pg_server.dsn(rw.dbname)
        dump = tmp_path / "realworld.dump"
        proc.run([pg_server.bins.path("pg_dump"), "-Fc", "-f", dump, "-d", dsn])
        listing = proc.run([pg_server.bins.path("pg_restore"), "-l", dump]).stdout
        kinds = toc_kinds(listing)
        size = dump.stat().st_size
        print(f"realworld on {where}: built in {seconds:.1f} s, {len(kinds)} TOC entries, {size} bytes")

        assert len(kinds) >= 1000, where
        assert 1_000_000 <= size <= 5_000_000, (where, size)
        missing = [k for k in WANTED_KINDS if k not in kinds]
        assert not missing, (where, missing)
        assert "MATERIALIZED VIEW DATA" in kinds and "TABLE DATA" in kinds, where
        assert "café_commandes" in listing, where

        with psycopg.connect(dsn, autocommit=True) as conn:
            table, name = rw.fk
            assert (
                _one(
                    conn,
                    "SELECT contype::text FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
                    (table, name),
                )
                == "f"
            ), (where, rw.fk)

            table, column, grantee = rw.column_grant
            assert (
                _one(
                    conn,
                    "SELECT count(*) FROM pg_attribute a, aclexplode(a.attacl) x "
                    "WHERE a.attrelid = %s::regclass AND a.attname = %s "
                    "AND x.grantee = %s::regrole AND x.privilege_type = 'SELECT'",
                    (table, column, grantee),
                )
                == 1
            ), (where, rw.column_grant)
            schema, tab = table.split(".")
            assert (
                _one(
                    conn,
                    "SELECT count(*) FROM information_schema.column_privileges WHERE table_schema = %s "
                    "AND table_name = %s AND column_name = %s AND grantee = %s AND privilege_type = 'SELECT'",
                    (schema, tab, column, grantee),
                )
                == 1
            ), (where, rw.column_grant)
            assert not _one(conn, "SELECT has_table_privilege(%s, %s, 'SELECT')", (grantee, table)), where

            table, name = rw.policy
            schema, tab = table.split(".")
            roles = _one(
                conn,
                "SELECT roles::text[] FROM pg_policies WHERE schemaname = %s AND tablename = %s AND policyname = %s",
                (schema, tab, name),
            )
            assert isinstance(roles, list) and roles and "public" not in roles, (where, rw.policy, roles)
            assert _one(
                conn, "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s) AND NOT rolsuper", (roles,)
            ) == len(roles), (where, roles)
            assert _one(conn, "SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass", (table,)) is True

            assert _one(conn, f"SELECT count(*) FROM {rw.row_table}") > 0, where
            assert (
                _one(
                    conn,
                    "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass",
                    (rw.row_table,),
                )
                == 0
            ), (where, rw.row_table)
            with conn.transaction(force_rollback=True):
                cur = conn.execute(f"DELETE FROM {rw.row_table} WHERE ctid = (SELECT ctid FROM {rw.row_table} LIMIT 1)")
                assert cur.rowcount == 1, where

            assert rw.roles and all(r.startswith("rw_") for r in rw.roles)
            assert _one(
                conn,
                "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s) AND NOT rolsuper AND NOT rolcanlogin",
                (list(rw.roles),),
            ) == len(rw.roles), where
            assert (
                _one(
                    conn,
                    "SELECT count(*) FROM pg_tables t JOIN pg_roles r ON r.rolname = t.tableowner WHERE NOT r.rolsuper",
                )
                > 0
            ), where

            # Partitions: a range-partitioned table with 6+ partitions, a list-partitioned one, an FK from one.
            strategies = conn.execute(
                "SELECT p.partstrat::text, count(i.inhrelid) FROM pg_partitioned_table p "
                "LEFT JOIN pg_inherits i ON i.inhparent = p.partrelid GROUP BY p.partrelid, p.partstrat"
            ).fetchall()
            assert any(s == "r" and n >= 6 for s, n in strategies), (where, strategies)
            assert any(s == "l" for s, _n in strategies), (where, strategies)
            assert (
                _one(
                    conn,
                    "SELECT count(*) FROM pg_constraint c "
                    "JOIN pg_partitioned_table p ON p.partrelid = c.conrelid "
                    "WHERE c.contype = 'f' AND c.conparentid = 0",
                )
                > 0
            ), where
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{rw.dbname}" WITH (FORCE)')
