"""Connection and identity: one clear line on failure, never a password, guard mismatches itemised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden.redact import redact_dsn, redact_text
from tests.conftest import Server, result_of, run_cli

PASSWORD = "Sekr1t-pw-4711"


@pytest.fixture
def password_role(pg_server: Server) -> Iterator[str]:
    """A login role that must authenticate with a password (scram) over the unix socket."""
    assert pg_server.instance.root is not None
    hba = pg_server.instance.root / "data" / "pg_hba.conf"
    original = hba.read_text()
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pwuser")
        conn.execute(f"CREATE ROLE pwuser LOGIN PASSWORD '{PASSWORD}'")
        hba.write_text("local all pwuser scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    yield f"host={pg_server.instance.root / 'sock'} port=5432 dbname=postgres user=pwuser"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        hba.write_text(original)
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("DROP ROLE pwuser")


def test_identity_reports_the_server(pg_server: Server) -> None:
    out = run_cli("identity", "--dsn", pg_server.dsn(), "--json")
    assert out.returncode == 0, out.stderr
    ident = result_of(out)["identity"]
    assert ident["server_major"] == pg_server.major, pg_server.describe()
    assert ident["database"] == "postgres" and ident["role"] == "postgres" and ident["superuser"] is True
    assert ident["system_identifier"] == pg_server.instance.info.system_identifier  # type: ignore[union-attr]
    assert ident["data_checksums"] in (True, False)


def test_guard_mismatch_lists_each_field(pg_server: Server, tmp_path: Path) -> None:
    target = tmp_path / "pgwarden.toml"
    target.write_text(
        '[target]\ndatabase = "directus"\nserver_major = 11\nrole = "postgres"\n'
        'superuser = true\nsystem_identifier = "123"\n'
    )
    out = run_cli("identity", "--dsn", pg_server.dsn(), "--target", str(target))
    assert out.returncode == 1
    assert "identity guard:    FAIL" in out.stdout
    assert "database: expected directus, actual postgres" in out.stdout
    assert f"server_major: expected 11, actual {pg_server.major}" in out.stdout
    assert "system_identifier: expected 123, actual" in out.stdout
    assert "role:" not in out.stdout.split("identity guard")[1]


def test_guard_match_passes(pg_server: Server, tmp_path: Path) -> None:
    sysid = pg_server.instance.info.system_identifier  # type: ignore[union-attr]
    target = tmp_path / "t.toml"
    target.write_text(
        f'[target]\ndatabase = "postgres"\nserver_major = {pg_server.major}\nsystem_identifier = "{sysid}"\n'
    )
    out = run_cli("identity", "--dsn", pg_server.dsn(), "--target", str(target))
    assert out.returncode == 0 and "identity guard:    PASS" in out.stdout


def test_guard_file_with_unknown_key_is_bad_input(pg_server: Server, tmp_path: Path) -> None:
    target = tmp_path / "t.toml"
    target.write_text('[target]\ndatabse = "postgres"\n')
    out = run_cli("identity", "--dsn", pg_server.dsn(), "--target", str(target))
    assert out.returncode == 2 and "unknown key 'databse'" in out.stderr


def test_wrong_password_is_one_line_exit_3_without_the_password(password_role: str) -> None:
    out = run_cli("identity", "--dsn", f"{password_role} password=wrong-{PASSWORD}")
    assert out.returncode == 3
    assert "password authentication failed" in out.stderr
    assert PASSWORD not in out.stderr + out.stdout and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_right_password_from_environment_works_and_is_never_shown(password_role: str) -> None:
    out = run_cli("identity", "--dsn", password_role, "--json", env={"PGPASSWORD": PASSWORD})
    assert out.returncode == 0, out.stderr
    assert result_of(out)["identity"]["role"] == "pwuser"
    assert PASSWORD not in out.stdout + out.stderr


def test_password_in_uri_is_redacted_on_failure(pg_server: Server) -> None:
    out = run_cli("identity", "--dsn", f"postgresql://pwuser:{PASSWORD}@/nodb?host=/nonexistent-dir")
    assert out.returncode == 3
    assert PASSWORD not in out.stderr and "********" in out.stderr


def test_wrong_dsn_is_exit_3_one_line() -> None:
    out = run_cli("identity", "--dsn", "host=/nonexistent-dir port=5999 dbname=x")
    assert out.returncode == 3 and out.stderr.startswith("pgwarden: environment: cannot connect")
    assert len(out.stderr.strip().splitlines()) == 1


def test_malformed_dsn_is_bad_input() -> None:
    out = run_cli("identity", "--dsn", "host=x password='topsecret-9")
    assert out.returncode == 2 and "invalid DSN" in out.stderr and "topsecret" not in out.stderr


def test_redaction_covers_uri_and_keyvalue_forms() -> None:
    assert "pw" not in redact_dsn("postgresql://u:pw@h:5432/db").split("@")[0].split(":")[-1]
    assert redact_dsn("host=h password=pw user=u").count("pw") == 0
    assert redact_text("password='p w' x") == "password=******** x"
    assert redact_text("error for postgres://a:b@c/d") == "error for postgres://a:********@c/d"


def test_unreadable_target_files_are_bad_input(tmp_path: Path) -> None:
    (tmp_path / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    for target, words in (
        (tmp_path, "is a directory"),
        (tmp_path / "none.toml", "not found"),
        (tmp_path / "deep.toml", ""),
    ):
        out = run_cli("identity", "--dsn", "host=/nonexistent-dir", "--target", str(target))
        assert out.returncode == 2, out.stderr
        assert words in out.stderr and "Traceback" not in out.stderr
