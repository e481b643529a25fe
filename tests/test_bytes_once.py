"""Bytes are read once: the files of a package (bundles, rollbacks, verify scripts, non-secret [vars] files) are
read, hashed against pgwarden.sum and run from that one copy; a file swapped on disk during a run changes nothing.
Secret [vars] are read once too, never pinned or written, recorded by a salted hash, and never printed."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from tests._apply_helpers import B, run_apply, start_apply, wait_for, waiting_on, write_package
from tests.conftest import envelope, run_cli

SECRET = "s3cr3t-Value-42"


def test_a_bundle_swapped_during_the_backup_is_not_what_runs(fresh_db: str, tmp_path: Path) -> None:
    """The trial's attack: A.sql replaced by a DELETE while the backup gate runs. The reviewed bytes run."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.orders (id int); INSERT INTO public.orders SELECT generate_series(1, 400)")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "label.txt").write_text("reviewed\n")
    pkg = write_package(
        tmp_path / "p",
        [B("A", "CREATE TABLE public.note (v text DEFAULT :'label');\n", "DROP TABLE public.note;\n")],
        extra='[vars]\nlabel = { file = "label.txt" }\n',
    )
    holder = psycopg.connect(fresh_db)
    holder.execute("LOCK TABLE public.orders IN ACCESS EXCLUSIVE MODE")  # pg_dump waits: the backup gate holds
    child = start_apply(pkg, fresh_db, tmp_path / "k")
    try:
        wait_for(lambda: waiting_on(fresh_db, "LOCK TABLE") or child.poll() is not None, what="apply at its backup")
        assert child.poll() is None, child.communicate()
        (pkg / "A.sql").write_text("DELETE FROM public.orders;\n")
        (pkg / "label.txt").write_text("swapped\n")
    finally:
        holder.close()
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, out + err
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM public.orders").fetchone() == (400,)
        assert conn.execute(
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'note'"
        ).fetchone() == ("'reviewed'::text",)
    run = json.loads((tmp_path / "k" / "run.json").read_text())
    assert run["status"] == "PASS"


def test_a_vars_file_is_pinned_and_must_lie_inside_the_package(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x\n")
    bundles = [B("A", "SELECT :'v';\n", "SELECT 1;\n")]
    (tmp_path / "p").mkdir()
    try:
        write_package(tmp_path / "p", bundles, extra=f'[vars]\nv = {{ file = "{outside}" }}\n')
        raise AssertionError("a vars file outside the package was accepted")
    except Exception as exc:  # lock refuses it, as check does
        assert "points outside the package directory" in str(exc) or "relative to the package" in str(exc), exc
    r = run_cli("check", str(tmp_path / "p"), "--no-kit")
    assert r.returncode == 2 and "vars.v.file" in r.stderr, r.stderr
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "v.txt").write_text("one\n")
    pkg = write_package(tmp_path / "q", bundles, extra='[vars]\nv = { file = "v.txt" }\n')
    assert "v.txt" in (pkg / "pgwarden.sum").read_text()  # pinned like a bundle
    (pkg / "v.txt").write_text("two\n")
    r = run_cli("check", str(pkg), "--no-kit")
    assert r.returncode == 2 and "v.txt: changed since lock" in r.stderr, r.stderr


def test_a_secret_file_may_lie_outside_is_never_printed_and_offline_check_needs_none(
    fresh_db: str, tmp_path: Path
) -> None:
    token = tmp_path / "run-secrets" / "token"
    token.parent.mkdir()
    token.write_text(SECRET + "\n")
    pkg = write_package(
        tmp_path / "p",
        [B("A", "CREATE TABLE public.s (v text);\nSELECT :'token'::int;\n", "DROP TABLE public.s;\n")],
        extra=f'[vars]\ntoken = {{ file = "{token}", secret = true }}\n',
    )
    assert str(token) not in (pkg / "pgwarden.sum").read_text()  # never pinned
    for more in ((), ("--json",)):  # the server's error quotes the value: never on stdout or stderr
        r = run_apply(
            pkg, fresh_db, tmp_path / f"k{len(more)}", "--no-backup", "--i-have-a-backup", "0" * 64, *more, timeout=300
        )
        assert r.returncode == 1, r.stdout + r.stderr
        assert SECRET not in r.stdout + r.stderr and '"********"' in r.stdout + r.stderr, r.stdout + r.stderr
        kit = tmp_path / f"k{len(more)}"
        assert not [p for p in kit.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
        pin = json.loads((kit / "package" / "vars.json").read_text())["token"]
        assert set(pin) >= {"salt", "salted_sha256"} and "sha256" not in pin and "value" not in pin
    token.unlink()  # CI has no production secret: an offline check parses with a stand-in and says so
    r = run_cli("check", str(pkg), "--out", str(tmp_path / "c"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "secret file" in json.loads((tmp_path / "c" / "package" / "vars.json").read_text())["token"]["unavailable"]
    r = run_cli("check", str(pkg), "--dsn", fresh_db, "--no-kit", "--json")
    assert (
        r.returncode == 2
        and "psql variable :'token' is secret and has no value here" in envelope(r)["error"]["message"]
    ), r.stdout
