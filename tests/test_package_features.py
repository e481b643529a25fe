"""Package features adoption needs: [vars], [[waiver]], verify scripts, forward-only bundles, and a rollback scope
that follows renames and lets DROP … IF EXISTS of old names pass as a note."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
from pathlib import Path

import psycopg

from tests._apply_helpers import B, run_apply, write_package
from tests.conftest import run_cli

NO_BACKUP = ("--no-backup", "--i-have-a-backup", "0" * 64)


def _findings(r: subprocess.CompletedProcess[str]) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(r.stdout)["result"]["findings"]  # type: ignore[no-any-return]


def test_vars_substitute_as_psql_and_secrets_never_leave(fresh_db: str, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text("s3cr3t-Passw0rd\n")
    pkg = write_package(
        tmp_path / "pkg",
        [
            B(
                "A",
                'CREATE SCHEMA :"schema";\n'
                "CREATE TABLE :\"schema\".t (id int, note text DEFAULT :'note');\n"
                "CREATE ROLE app_login LOGIN PASSWORD :'password';\n"
                "COMMENT ON TABLE :\"schema\".t IS ':not_a_var stays';\n",
                'DROP ROLE app_login;\nDROP TABLE :"schema".t;\nDROP SCHEMA :"schema";\n',
            )
        ],
        extra=f'[vars]\nschema = "billing"\nnote = "it\'s"\npassword = {{ file = "{secret_file}", secret = true }}\n',
    )
    out = tmp_path / "kit"
    r = run_apply(pkg, fresh_db, out, *NO_BACKUP)
    assert r.returncode == 0, r.stdout + r.stderr
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute(
            "SELECT column_default FROM information_schema.columns WHERE table_schema = 'billing' "
            "AND column_name = 'note'"
        ).fetchone() == ("'it''s'::text",)
        assert conn.execute("SELECT obj_description('billing.t'::regclass)").fetchone() == (":not_a_var stays",)
        conn.execute("DROP ROLE app_login")
    pins = json.loads((out / "package" / "vars.json").read_text())
    assert pins["schema"]["value"] == "billing" and "value" not in pins["password"]
    assert pins["password"]["secret"] is True and "sha256" not in pins["password"]
    salted = pins["password"]  # a salted hash only: an HMAC keyed by the kit's random salt, which verifies
    assert (
        salted["salted_sha256"]
        == hmac.new(bytes.fromhex(salted["salt"]), b"s3cr3t-Passw0rd", hashlib.sha256).hexdigest()
    )
    assert salted["salted_sha256"] != hashlib.sha256(b"s3cr3t-Passw0rd").hexdigest()
    leaked = [p for p in out.rglob("*") if p.is_file() and b"s3cr3t-Passw0rd" in p.read_bytes()]
    assert not leaked and "s3cr3t-Passw0rd" not in r.stdout + r.stderr


def test_a_leftover_variable_names_itself(tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "pkg", [B("A", "SELECT 1;\nCREATE TABLE t (id int DEFAULT :missing);\n", "DROP TABLE t;\n")]
    )
    r = run_cli("check", str(pkg))
    assert r.returncode == 2
    assert "A.sql:2:32: psql variable :missing is not defined" in r.stderr, r.stderr
    assert "syntax error" not in r.stderr


def test_waivers_are_shown_and_unused_ones_warned(tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "pkg",
        [B("A", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"), B("B", "DROP TABLE old_stuff;\n", None)],
        extra='[policy]\nforbid = ["DROP TABLE"]\n\n[[waiver]]\nbundle = "B"\nrule = "policy.forbid"\n'
        'reason = "historical migration, already applied everywhere"\n\n'
        '[[waiver]]\nbundle = "A"\nrule = "policy.forbid_calls"\nreason = "stale"\n',
    )
    r = run_cli("check", str(pkg), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    found = {(f["rule"], f["bundle"]): f for f in _findings(r)}
    waived = found[("policy.forbid", "B")]
    assert waived["severity"] == "waived" and "historical migration" in waived["message"]
    assert found[("waiver.unused", "A")]["severity"] == "warning"
    without = write_package(
        tmp_path / "plain", [B("B", "DROP TABLE old_stuff;\n", None)], extra='[policy]\nforbid = ["DROP TABLE"]\n'
    )
    assert run_cli("check", str(without)).returncode == 1  # the same finding, unwaived, fails


def test_rollback_scope_follows_renames_and_notes_if_exists(tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "pkg",
        [
            B(
                "A",
                "ALTER TABLE audit RENAME TO audit_v1;\nCREATE TABLE audit (id int);\n",
                "DROP TABLE audit;\nDROP TABLE IF EXISTS audit_tmp;\nALTER TABLE audit_v1 RENAME TO audit;\n",
            ),
            B(
                "C",
                "ALTER TABLE accounts ADD COLUMN note text;\n",
                "ALTER TABLE accounts DROP COLUMN note;\nALTER TABLE accounts DROP COLUMN created_at;\n",
            ),
        ],
    )
    r = run_cli("check", str(pkg), "--json")
    found = [(f["rule"], f["bundle"], f["severity"], f["line"]) for f in _findings(r)]
    assert ("rollback.scope", "A", "note", 2) in found  # cleanup of an old name: a note
    assert not [f for f in found if f[1] == "A" and f[2] == "error"]
    assert ("rollback.scope", "C", "error", 2) in found  # another bundle's column: still an error
    assert r.returncode == 1


def test_verify_scripts_and_forward_only_bundles(fresh_db: str, tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    write_package(
        pkg, [B("A", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"), B("F", "INSERT INTO t VALUES (1);\n", None)]
    )
    (pkg / "verify").mkdir()
    (pkg / "verify" / "A.sql").write_text(
        "SELECT id FROM t WHERE false;\nSELECT 1/(SELECT count(*) FROM pg_tables WHERE tablename = 't')::int;\n"
    )
    manifest = (
        (pkg / "pgwarden.toml").read_text().replace('apply = "A.sql"', 'apply = "A.sql"\nverify = "verify/A.sql"')
    )
    (pkg / "pgwarden.toml").write_text(manifest)
    assert run_cli("lock", str(pkg)).returncode == 0
    r = run_cli("rehearse", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "reh"))
    assert r.returncode == 0, r.stdout + r.stderr  # forward-only is unproven, not a failure
    summary = (tmp_path / "reh" / "SUMMARY.md").read_text()
    assert "## Unproven" in summary and "F" in summary.split("## Unproven")[1].split("\n\n")[1]
    assert "verify verify/A.sql:2" in (tmp_path / "reh" / "run.json").read_text()
    # a verify script that fails stops the run, and the bundle is rolled back
    (pkg / "verify" / "A.sql").write_text("SELECT missing_column FROM t;\n")
    assert run_cli("lock", str(pkg)).returncode == 0
    r = run_apply(pkg, fresh_db, tmp_path / "kit", *NO_BACKUP)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "verify verify/A.sql:1" in r.stdout + (tmp_path / "kit" / "SUMMARY.md").read_text()
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT to_regclass('public.t')").fetchone() == (None,)
