"""What a red-team pass found a database owner that is not a superuser could still do to pgwarden's superuser
session, each as a real role on a real server, and what pgwarden does now.

The owner's code, when it runs, writes ``pgwarden-decoy-hit … <database>`` to the server log (tests/_decoys.py):
every test asserts it never ran."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.ledger import ledger
from tests._apply_helpers import B, apply_argv, wait_for, waiting_on, write_package
from tests._decoys import MARK, hits
from tests.conftest import Server, result_of, run_cli

NO_BACKUP = ("--no-backup", "--i-have-a-backup", "0" * 64)


@pytest.fixture
def owned(pg_server: Server, fresh_db: str) -> Iterator[tuple[str, str, str, str]]:
    """(superuser DSN, owner DSN, database, owner) for ``fresh_db`` owned by a role that is not a superuser, with
    ``public.hit(what)``: the owner's code announcing that it ran."""
    name = str(psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"])
    role = f"owner_{os.getpid()}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN")
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO {role}')
    owner = pg_server.instance.dsn(name, user=role)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f"""CREATE FUNCTION public.hit(what text) RETURNS boolean LANGUAGE plpgsql VOLATILE
            SET search_path = pg_catalog AS $f$ BEGIN RAISE LOG '{MARK} % as % %', what, current_user,
            current_database(); RETURN true; END $f$""")
    yield fresh_db, owner, name, role
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" RESET ALL')
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f"REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}")
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")


def _log(pg_server: Server) -> tuple[Path, int]:
    assert pg_server.instance.root is not None
    log = pg_server.instance.root / "server.log"
    return log, log.stat().st_size


def test_a_database_role_setting_does_not_make_pgwarden_the_owner(
    owned: tuple[str, str, str, str], tmp_path: Path
) -> None:
    """ALTER DATABASE … SET role: pgwarden's sessions stay the login role, so the owner's ledger is not trusted."""
    dsn, owner, name, role = owned
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET role = {role}')
        conn.execute(f"SET search_path = pg_catalog; {ledger_v1()}")
        conn.execute("INSERT INTO pgwarden.ledger_version (version, installed_by) VALUES (2, 'forged')")
        conn.execute(
            "INSERT INTO pgwarden.bundle_attempt (package, package_hash, bundle, bundle_order, bundle_sha256, "
            "state, started_at, db_role, os_user, pgwarden_version, run_id, row_sha256) VALUES ('t', %s, 'A', "
            "1, %s, 'applied', now(), 'postgres', 'root', '0.1.0', 'forged', '')",
            (
                hashlib.sha256((pkg / "pgwarden.sum").read_bytes()).hexdigest(),
                hashlib.sha256((pkg / "A.sql").read_bytes()).hexdigest(),
            ),
        )
        row = conn.execute(f"SELECT {ledger._COLUMNS} FROM pgwarden.bundle_attempt").fetchone()
        cols = [
            d.name
            for d in conn.execute(f"SELECT {ledger._COLUMNS} FROM pgwarden.bundle_attempt LIMIT 0").description or ()
        ]
        assert row is not None
        conn.execute(
            "UPDATE pgwarden.bundle_attempt SET row_sha256 = %s", (ledger.digest(dict(zip(cols, row, strict=True))),)
        )  # a digest with no secret is forgeable
    r = run_cli("identity", "--dsn", dsn, "--json")
    assert r.returncode == 0 and result_of(r)["identity"]["role"] == "postgres", r.stdout
    for argv in (["status", "--dsn", dsn], [*apply_argv(pkg, dsn, tmp_path / "k", *NO_BACKUP)[3:]]):
        r = run_cli(*argv)
        assert r.returncode == 3 and "not trusted" in r.stderr and f"owned by {role}" in r.stderr, (argv, r.stderr)


def ledger_v1() -> str:
    from pgwarden import shipped_sql

    return shipped_sql.load("pgwarden.ledger", "ledger_v1.sql")


def test_a_table_swapped_for_a_view_while_its_rows_are_counted(
    owned: tuple[str, str, str, str], pg_server: Server, tmp_path: Path
) -> None:
    dsn, owner, name, _role = owned
    log, offset = _log(pg_server)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.victim (id int); INSERT INTO public.victim VALUES (1), (2)")
    holder = psycopg.connect(owner)
    holder.execute("LOCK TABLE public.victim IN ACCESS EXCLUSIVE MODE")
    child = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "probe", "--dsn", dsn, "--rows", "exact", "--out", str(tmp_path / "k")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: waiting_on(dsn, "victim") or child.poll() is not None, what="the count waiting on the lock")
        holder.execute("ALTER TABLE public.victim RENAME TO victim_old")
        holder.execute("CREATE VIEW public.victim AS SELECT 1 AS id WHERE public.hit('view swapped in')")
        holder.commit()
    finally:
        holder.close()
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 3 and "public.victim" in err and "Traceback" not in err, err
    assert hits(log, offset, name) == []


def test_a_cast_the_owner_wrote_is_not_how_a_data_check_prints_a_key(
    owned: tuple[str, str, str, str], pg_server: Server, tmp_path: Path
) -> None:
    dsn, owner, name, _role = owned
    log, offset = _log(pg_server)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("""CREATE TYPE public.region AS ENUM ('north', 'south');
            CREATE FUNCTION public.region_text(public.region) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
            $f$ BEGIN PERFORM public.hit('cast'); RETURN 'x'; END $f$;
            CREATE CAST (public.region AS text) WITH FUNCTION public.region_text(public.region);
            CREATE TABLE public.sales (region public.region PRIMARY KEY, amount int);
            INSERT INTO public.sales VALUES ('north', 1), ('south', NULL)""")
    pkg = write_package(
        tmp_path / "p",
        [
            B(
                "A",
                "ALTER TABLE public.sales ALTER COLUMN amount SET NOT NULL;\n",
                "ALTER TABLE public.sales ALTER COLUMN amount DROP NOT NULL;\n",
            )
        ],
    )
    r = run_cli("check", str(pkg), "--dsn", dsn, "--data-checks", "--out", str(tmp_path / "c"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 row is NULL: (region)=(south)" in (tmp_path / "c" / "SUMMARY.md").read_text()
    assert hits(log, offset, name) == []


def test_declared_stability_is_no_boundary_for_user_sql(
    owned: tuple[str, str, str, str], pg_server: Server, tmp_path: Path
) -> None:
    dsn, owner, name, role = owned
    log, offset = _log(pg_server)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("""CREATE FUNCTION public.looks_stable() RETURNS int LANGUAGE plpgsql STABLE AS
            $f$ BEGIN PERFORM public.hit('stable'); RETURN 1; END $f$;
            CREATE VIEW public.open_orders AS SELECT public.looks_stable() AS n""")
    r = run_cli(
        "probe", "--dsn", dsn, "--query", "n=SELECT count(*) FROM public.open_orders", "--out", str(tmp_path / "k")
    )
    assert r.returncode == 2, r.stderr
    assert f"can call public.looks_stable() through public.open_orders, owned by {role}" in r.stderr, r.stderr
    assert hits(log, offset, name) == []


def test_the_rehearsal_runs_under_the_targets_own_path(owned: tuple[str, str, str, str], tmp_path: Path) -> None:
    """The target's database-level search_path is not in a single-database dump: the clone gets it from pgwarden."""
    dsn, owner, name, _role = owned
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'owner' $$")
        conn.execute(f'ALTER DATABASE "{name}" SET search_path = public, pg_catalog')
    probes = (
        '\n[[probe]]\nname = "the path production resolves lower() along"\nafter = "A"\n'
        "sql = \"SELECT 1 FROM public.n WHERE v = 'owner'\"\nexpect_rows = 1\n"
    )
    pkg = write_package(
        tmp_path / "p",
        [B("A", "CREATE TABLE public.n AS SELECT lower('ABC') AS v;\n", "DROP TABLE public.n;\n")],
        probes=probes,
    )
    r = run_cli("rehearse", str(pkg), "--dsn", dsn, "--out", str(tmp_path / "r"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_settings_a_database_owner_chooses_do_not_reach_pgwarden(
    owned: tuple[str, str, str, str], tmp_path: Path
) -> None:
    dsn, owner, name, _role = owned
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA pgxtempx; CREATE TABLE pgxtempx.kept (id int)")
        for setting in (
            "standard_conforming_strings = off",
            "client_encoding = 'SQL_ASCII'",
            "idle_session_timeout = '300ms'",
        ):
            conn.execute(f'ALTER DATABASE "{name}" SET {setting}')
    r = run_cli("probe", "--dsn", dsn, "--rows", "exact", "--out", str(tmp_path / "p"), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    fp = json.loads(Path(result_of(r)["fingerprint"]).read_text())
    tables = {e["name"] for e in fp["entries"] if e["kind"] == "table"}
    assert "pgxtempx.kept" in tables and "pgxtempx.kept" in fp["rows"], (
        "a LIKE pattern read with backslashes as escapes hid a schema"
    )
    pkg = write_package(tmp_path / "a", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    r = run_cli("apply", str(pkg), "--dsn", dsn, "--out", str(tmp_path / "k"), *NO_BACKUP)  # and a rehearsal
    assert r.returncode == 0, r.stdout + r.stderr  # idle through the rehearsal, not cut off
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    other = write_package(
        tmp_path / "b", [B("B", "CREATE TABLE public.b (id int);", "DROP TABLE public.b;")], name="other"
    )
    r = run_cli(*apply_argv(other, dsn, tmp_path / "k2", *NO_BACKUP)[3:])
    assert r.returncode == 3 and "the target refuses writes" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_file_named_twice_is_refused(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    (pkg / "sub").mkdir()
    toml = (pkg / "pgwarden.toml").read_text() + (
        '[[bundle]]\nid = "B"\ntitle = "again"\napply = "sub/../A.sql"\nrollback = "none"\nreason = "test"\n'
    )
    (pkg / "pgwarden.toml").write_text(toml)
    r = run_cli("lock", str(pkg))
    assert r.returncode == 2 and "'sub/../A.sql' is already named by bundle[1].apply" in r.stderr, r.stderr


def test_a_restored_server_cannot_reach_a_hosts_unix_socket(pg_server: Server) -> None:
    """A hostile dump's code runs as the throwaway server's superuser (COPY TO PROGRAM): a socket file in /run or
    /var/tmp on the host, a production server's or a container engine's, is out of its reach."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed: the sandbox has no mount namespace to hide /run in")
    got: dict[str, bytes] = {}
    with ThrowawayInstance(pg_server.bins) as inst:
        isolation = str(getattr(inst.info, "isolation", ""))
        if "bwrap" not in isolation:
            pytest.skip(f"isolation is {isolation!r}, not bwrap")
        for base in ("/run", "/var/tmp"):
            d = Path(base) / f"pgwarden-test-{os.getpid()}"
            d.mkdir(mode=0o755, exist_ok=True)
            path = d / "host.sock"
            srv = socket.socket(socket.AF_UNIX)
            srv.bind(str(path))
            os.chmod(path, 0o777)
            srv.listen(1)
            srv.settimeout(10)

            def accept(srv: socket.socket = srv, base: str = base) -> None:
                try:
                    c, _ = srv.accept()
                    got[base] = c.recv(100)
                except OSError:
                    pass

            th = threading.Thread(target=accept)
            th.start()
            prog = (
                "/usr/bin/perl -MIO::Socket::UNIX -e "
                f"'IO::Socket::UNIX->new(Peer => q{{{path}}})->print(qq{{x}}) or exit 1'"
            )
            with psycopg.connect(inst.dsn(), autocommit=True) as conn, pytest.raises(psycopg.Error):
                conn.execute(psycopg.sql.SQL("COPY (SELECT 1) TO PROGRAM {}").format(psycopg.sql.Literal(prog)))
            srv.close()
            th.join(15)
            shutil.rmtree(d, ignore_errors=True)
    assert got == {}, got


def test_a_table_added_to_an_extension_fails_verify_backup(owned: tuple[str, str, str, str], tmp_path: Path) -> None:
    """ALTER EXTENSION … ADD TABLE: pg_dump leaves the table and its rows out, and CREATE EXTENSION does not bring
    them back. The backup's verification used to pass; it names the table now."""
    dsn, owner, _name, _role = owned
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION tcn")  # a trusted extension: the database's owner may create it
        conn.execute(
            "CREATE TABLE public.payments (id int); INSERT INTO public.payments SELECT generate_series(1, 50);"
            "ALTER EXTENSION tcn ADD TABLE public.payments"
        )
    b = run_cli("backup", "--dsn", dsn, "--out", str(tmp_path / "b"), "--json")
    assert b.returncode == 0, b.stderr
    v = run_cli("verify-backup", result_of(b)["dump_path"], "--out", str(tmp_path / "v"), "--json")
    assert v.returncode == 1, v.stdout + v.stderr
    lines = [d["line"] for d in result_of(v)["fidelity"]["differences"] if not d["expected"]]
    assert any(
        x.startswith("- table public.payments: a member of extension tcn that is not one of its configuration tables")
        for x in lines
    ), lines
