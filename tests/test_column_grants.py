"""Column-level grants in fingerprints (issue 20, "Trust II"): one entry per column, grantee and privilege,
named as the GRANT that gives it, so that ``pgwarden diff`` and ``verify-backup``'s restore fidelity name
the grantee, the privilege and the column of a lost column privilege, not only its table or column.

The lossy restore is made as tests/test_backup_fidelity.py makes one: ``pgwarden backup`` records the
source in the dump's snapshot, then exactly one column privilege is revoked and a plain ``pg_dump`` of the
database is verified against that source record: the restore lacks exactly that privilege.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
from jsonschema import Draft202012Validator, FormatChecker

from pgwarden import shipped_sql
from pgwarden.probe.fingerprint import load
from pgwarden.schemas import load_schema
from tests._backup_helpers import raw_dump
from tests.conftest import Server, envelope, result_of, run_cli

SETUP = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pw_cg_reporting') THEN
    CREATE ROLE pw_cg_reporting NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pw_cg Audit') THEN
    CREATE ROLE "pw_cg Audit" NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pw_cg_app') THEN
    CREATE ROLE pw_cg_app NOLOGIN; END IF;
END $$;
CREATE TABLE public.customer (id int PRIMARY KEY, email text, "E-mail" text, name text);
INSERT INTO public.customer VALUES (1, 'a@example.com', 'A', 'Ann'), (2, 'b@example.com', 'B', 'Bob');
GRANT SELECT ON public.customer TO pw_cg_app;
GRANT SELECT (email, name), UPDATE (email) ON public.customer TO pw_cg_reporting;
GRANT SELECT ("E-mail") ON public.customer TO "pw_cg Audit";
"""

LOST = "- grant SELECT (email) ON public.customer TO pw_cg_reporting"


def _setup(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SETUP)


def _run(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def _probe(dsn: str, dest: Path) -> Path:
    r = run_cli("probe", "--dsn", dsn, "--fingerprint", str(dest), "--no-kit")
    assert r.returncode == 0, r.stderr
    return dest


def _diff(a: Path, b: Path) -> tuple[int, list[str]]:
    r = run_cli("diff", str(a), str(b), "--json")
    body = envelope(r)
    text = run_cli("diff", str(a), str(b))  # the text output says the same
    assert text.returncode == r.returncode, text.stderr
    assert text.stdout.splitlines() == (result_of(r)["lines"] or ["identical"]), text.stdout
    return r.returncode, list(body["result"]["lines"])


def _grants(path: Path) -> dict[str, Any]:
    return {e.name: json.loads(e.definition) for e in load(path).entries if e.kind == "grant"}


def test_each_column_privilege_is_its_own_entry(fresh_db: str, tmp_path: Path) -> None:
    _setup(fresh_db)
    fp = _probe(fresh_db, tmp_path / "a.json")
    grants = _grants(fp)
    assert {n: d for n, d in grants.items() if " ON public.customer TO " in n} == {
        "SELECT (email) ON public.customer TO pw_cg_reporting": {"granted_by": ["postgres"]},
        "SELECT (name) ON public.customer TO pw_cg_reporting": {"granted_by": ["postgres"]},
        "UPDATE (email) ON public.customer TO pw_cg_reporting": {"granted_by": ["postgres"]},
        'SELECT ("E-mail") ON public.customer TO "pw_cg Audit"': {"granted_by": ["postgres"]},
    }, grants
    assert "table public.customer" in grants  # the table's own ACL stays one entry
    data = json.loads(fp.read_text())
    errors = [
        e.message
        for e in Draft202012Validator(load_schema("fingerprint"), format_checker=FormatChecker()).iter_errors(data)
    ]
    assert errors == []
    again = _probe(fresh_db, tmp_path / "again.json")  # deterministic: nothing changed, nothing differs
    assert _diff(fp, again) == (0, [])


def test_diff_names_grantee_privilege_and_column(fresh_db: str, tmp_path: Path) -> None:
    _setup(fresh_db)
    a = _probe(fresh_db, tmp_path / "a.json")
    _run(fresh_db, "REVOKE SELECT (email) ON public.customer FROM pw_cg_reporting")
    b = _probe(fresh_db, tmp_path / "b.json")
    assert _diff(a, b) == (1, [LOST])  # UPDATE (email) of the same grantee, and the table's ACL, are unchanged

    _run(
        fresh_db,
        'GRANT SELECT ("E-mail") ON public.customer TO "pw_cg Audit" WITH GRANT OPTION; '
        "GRANT INSERT (name) ON public.customer TO PUBLIC",
    )
    c = _probe(fresh_db, tmp_path / "c.json")
    assert _diff(b, c) == (
        1,
        [
            "+ grant INSERT (name) ON public.customer TO PUBLIC",
            '~ grant SELECT ("E-mail") ON public.customer TO "pw_cg Audit": '
            "granted_by +postgres WITH GRANT OPTION -postgres",
        ],
    )

    _run(
        fresh_db,
        'REVOKE GRANT OPTION FOR SELECT ("E-mail") ON public.customer FROM "pw_cg Audit"; '
        "REVOKE INSERT (name) ON public.customer FROM PUBLIC; "
        "GRANT SELECT (email) ON public.customer TO pw_cg_reporting",
    )
    assert _diff(a, _probe(fresh_db, tmp_path / "d.json")) == (0, [])  # reverted: identical again


def test_verify_backup_names_the_lost_column_grant(pg_server: Server, fresh_db: str, tmp_path: Path) -> None:
    _setup(fresh_db)
    r = run_cli("backup", "--dsn", fresh_db, "--out", str(tmp_path / "kit"), "--json")
    assert r.returncode == 0, r.stderr
    source = tmp_path / "kit" / "probes" / "source.json"
    assert LOST[2:] in {f"grant {n}" for n in _grants(source)}

    faithful = run_cli("verify-backup", result_of(r)["dump_path"], "--out", str(tmp_path / "v0"), "--json")
    assert faithful.returncode == 0, result_of(faithful).get("reasons")  # the grants survive a restore unchanged
    assert not [d for d in result_of(faithful)["fidelity"]["differences"] if d["kind"] == "grant"]

    _run(fresh_db, "REVOKE SELECT (email) ON public.customer FROM pw_cg_reporting")
    lossy = raw_dump(pg_server.bins, fresh_db, tmp_path / "lossy.dump")
    v = run_cli("verify-backup", str(lossy), "--source", str(source), "--out", str(tmp_path / "v"), "--json")
    assert v.returncode == 1, v.stderr
    res = result_of(v)
    unexpected = [d for d in res["fidelity"]["differences"] if not d["expected"]]
    assert [d["line"] for d in unexpected] == [f"{LOST}: missing after the restore"], unexpected
    assert unexpected[0]["kind"] == "grant" and unexpected[0]["name"] == LOST[len("- grant ") :]
    assert any(LOST[2:] in reason for reason in res["reasons"]), res["reasons"]
    assert f"{LOST}: missing after the restore" in (tmp_path / "v" / "SUMMARY.md").read_text()


EVIL = """
CREATE SCHEMA evil;
CREATE TABLE evil.pg_attribute (x int);
CREATE TABLE evil.pg_init_privs (objoid oid, classoid oid, objsubid int, initprivs aclitem[]);
CREATE FUNCTION evil.aclexplode(aclitem[])
  RETURNS TABLE (grantor oid, grantee oid, privilege_type text, is_grantable boolean)
  LANGUAGE sql AS $$ SELECT 0::oid, 0::oid, 'EVIL'::text, true $$;
CREATE FUNCTION evil.format(text, text, name, name, name, text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION evil.quote_ident(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION evil.pg_get_userbyid(oid) RETURNS name LANGUAGE sql AS $$ SELECT 'evil'::name $$;
"""


def test_column_grants_query_ignores_search_path(fresh_db: str) -> None:
    """Objects that shadow the catalog's (a table, functions with exact-match signatures) in a schema that
    comes first in search_path change nothing: every name in the query is schema-qualified."""
    _setup(fresh_db)
    query = shipped_sql.load("pgwarden.probe", "column_grants.sql")
    with psycopg.connect(fresh_db) as conn:
        conn.execute(EVIL)
        conn.execute("SET LOCAL search_path = pg_catalog")
        clean = sorted(conn.execute(query).fetchall())
        conn.execute("SET LOCAL search_path = evil, pg_catalog")
        shadowed = sorted(conn.execute(query).fetchall())
        conn.rollback()
    assert len(clean) == 4 and shadowed == clean
