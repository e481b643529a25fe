"""Trust boundaries, each item of issue 9 reproduced against real PostgreSQL: a hostile dump runs nothing on
the host, production is only ever read, no backend is left behind, nothing leaks, everything is private."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden import proc
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin
from tests.conftest import Server, envelope, result_of, run_cli

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="the sandbox user and namespaces need root (CI runs as root)")


def _backends(dsn: str, like: str = "pgwarden%") -> list[tuple[int, str]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE %s "
            "AND pid <> pg_backend_pid()",
            (like,),
        ).fetchall()
    return [(int(p), str(a)) for p, a in rows]


def _wait(cond, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())


# -- 1. a hostile dump runs nothing on the host ------------------------------------------------------
HOSTILE = """
CREATE FUNCTION public.pwn(v int) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    IF current_setting('is_superuser') = 'on' AND current_setting('pgwarden_test.production', true) IS NULL THEN
        CREATE TABLE IF NOT EXISTS public.pwned (line text);
        EXECUTE format('COPY public.pwned FROM PROGRAM %L',
            'id -un; (touch /var/tmp/{marker} 2>/dev/null && echo host-written) || echo host-read-only; '
            'echo x > /tmp/{marker} && echo tmp-written; '
            'echo nics=$(grep -vc -e lo: -e Inter -e face /proc/net/dev)');
    END IF;
    RETURN true;
END $f$;
SET pgwarden_test.production = 'yes';
CREATE TABLE public.victim (v int CHECK (public.pwn(v)));
INSERT INTO public.victim VALUES (1);
"""


@needs_root
def test_hostile_dump_runs_only_in_the_sandbox(pg_server: Server, fresh_db: str, tmp_path: Path) -> None:
    marker = f"pgwarden-hostile-{secrets.token_hex(4)}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(HOSTILE.replace("{marker}", marker))
        assert conn.execute("SELECT to_regclass('public.pwned')").fetchone() == (None,)  # production: inert
    b = run_cli("backup", "--dsn", fresh_db, "--out", str(tmp_path / "b"), "--json")
    assert b.returncode == 0, b.stderr
    expect = tmp_path / "expect.toml"
    expect.write_text("""
[[value]]
name = "what the hostile program saw"
sql = "select string_agg(line, ' | ' order by line) from public.pwned"
equals = "unknowable"

[[value]]
name = "read production's password hashes"
sql = "select encode(pg_read_binary_file('global/1260'), 'escape')"
equals = "nothing"
""")
    r = run_cli(
        "verify-backup",
        result_of(b)["dump_path"],
        "--expect",
        str(expect),
        "--dsn",
        fresh_db,
        "--out",
        str(tmp_path / "v"),
        "--json",
    )
    res = result_of(r)
    seen = {c["name"]: c for c in res["checks"]}
    saw = seen["what the hostile program saw"]["actual"]
    assert "pgwarden-sandbox" in saw, saw  # it ran, as the sandbox user, not as the owner of production
    assert "root" not in saw.split(" | ") and "postgres" not in saw.split(" | ")
    assert not Path("/tmp", marker).exists() and not Path("/var/tmp", marker).exists()
    iso = res["instance"]["isolation"]
    if shutil.which("bwrap"):
        assert iso["method"] == "bwrap" and iso["read_only_host"] and iso["private_tmp"] and iso["network"]
        assert "host-read-only" in saw and "nics=0" in saw, saw
    else:
        assert iso["method"] == "unshare" and "nics=0" in saw, saw
    # The second value ran as a role that can read tables, not files: refused on the copy, nothing leaked.
    leak = seen["read production's password hashes"]
    assert not leak["ok"] and "permission denied" in (leak["error"] or ""), leak
    everything = (
        r.stdout + r.stderr + "".join(p.read_text(errors="replace") for p in (tmp_path / "v").rglob("*") if p.is_file())
    )
    assert "SCRAM-SHA-256$" not in everything and "md5" + "a" * 30 not in everything
    assert r.returncode == 1  # the made-up expectations fail; the point is where the program ran
    run = json.loads((tmp_path / "v" / "run.json").read_text())
    gate = next(g for g in run["gates"] if g["name"] == "instance")
    assert gate["details"]["isolation"]["os_user"] == "pgwarden-sandbox"


FOREIGN_USER = "pgwarden-foreign-test"


@needs_root
def test_sandbox_user_owning_a_running_cluster_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run-as user of this test is one of its own (PGWARDEN_RUN_AS): while its foreign cluster runs, pgwarden
    refuses to start a server as that user, and the tests on the other worker, which run as pgwarden-sandbox, are
    not refused with it."""
    from pgwarden.errors import EnvironmentProblem
    from pgwarden.instances.sandbox import run_as

    try:
        pwd.getpwnam(FOREIGN_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", FOREIGN_USER], check=True, capture_output=True)  # fmt: skip
    monkeypatch.setenv("PGWARDEN_RUN_AS", FOREIGN_USER)
    bins = pgbin.find(pgbin.SERVER_TOOLS)
    who = run_as()
    assert who.name == FOREIGN_USER
    tmp_path = Path(tempfile.mkdtemp(prefix="pgwarden-foreign-", dir="/tmp"))  # reachable by the sandbox user
    tmp_path.chmod(0o755)
    data = tmp_path / "foreign"
    data.mkdir(mode=0o700)
    os.chown(data, who.uid or 0, who.gid or 0)
    sock = tmp_path / "s"
    sock.mkdir()
    os.chown(sock, who.uid or 0, who.gid or 0)
    proc.run(
        [bins.path("initdb"), "-D", data, "-A", "trust", "-U", "postgres"],
        user=who.uid,
        group=who.gid,
        cwd=tmp_path,
        timeout=120,
    )
    server = proc.spawn(
        [bins.path("postgres"), "-D", data, "-k", sock, "-c", "listen_addresses="],
        log_path=tmp_path / "log",
        user=who.uid,
        group=who.gid,
    )
    try:
        assert _wait(lambda: (data / "postmaster.pid").exists())
        with pytest.raises(EnvironmentProblem, match=r"owns the data directory .* of a running cluster"):
            ThrowawayInstance(bins).start()
    finally:
        proc.stop_process(server)
        shutil.rmtree(tmp_path, ignore_errors=True)


# -- 2. user SQL never acts on production -----------------------------------------------------------
def _production_facts(dsn: str) -> tuple[int, int, str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        victims = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'victim'").fetchone()
        slots = conn.execute("SELECT count(*) FROM pg_replication_slots").fetchone()
        loaded = conn.execute("SELECT pg_conf_load_time()::text").fetchone()
    assert victims and slots and loaded
    return int(victims[0]), int(slots[0]), str(loaded[0])


HARMFUL = {
    "kill": "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'victim'",
    "slot": "select pg_create_physical_replication_slot('pgwarden_test_slot')",
    "reload": "select pg_reload_conf()",
}


def test_user_sql_never_acts_on_production(fresh_db: str, tmp_path: Path) -> None:
    victim = psycopg.connect(fresh_db + " application_name=victim", autocommit=True)
    try:
        before = _production_facts(fresh_db)
        assert before[0] == 1 and before[1] == 0
        for name, sql in HARMFUL.items():
            r = run_cli(
                "probe",
                "--dsn",
                fresh_db,
                "--no-kit",
                "--fingerprint",
                str(tmp_path / "fp.json"),
                "--query",
                f"{name}={sql}",
            )
            assert r.returncode == 2, (name, r.stderr)
            assert "which is VOLATILE" in r.stderr and "nothing was run" in r.stderr, r.stderr
        # Hidden behind a view, and behind a row-security policy: still found, still refused.
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute("CREATE VIEW public.innocent AS SELECT pg_reload_conf() AS ok")
            conn.execute(
                "CREATE TABLE public.guarded (id int); ALTER TABLE public.guarded ENABLE ROW LEVEL SECURITY; "
                "CREATE POLICY p ON public.guarded USING (pg_terminate_backend(0) IS NULL)"
            )
        for sql, what in (
            ("select ok from public.innocent", "through public.innocent"),
            ("select count(*) from public.guarded", "through public.guarded"),
        ):
            r = run_cli(
                "probe",
                "--dsn",
                fresh_db,
                "--no-kit",
                "--fingerprint",
                str(tmp_path / "fp.json"),
                "--query",
                f"q={sql}",
            )
            assert r.returncode == 2 and what in r.stderr, r.stderr
        # verify-backup never runs the expectations' user SQL on production.
        b = run_cli("backup", "--dsn", fresh_db, "--out", str(tmp_path / "b"), "--json")
        expect = tmp_path / "expect.toml"
        expect.write_text(
            "".join(f'[[value]]\nname = "{n}"\nsql = "{s}"\nequals = "x"\n\n' for n, s in HARMFUL.items())
        )
        r = run_cli(
            "verify-backup",
            result_of(b)["dump_path"],
            "--expect",
            str(expect),
            "--dsn",
            fresh_db,
            "--out",
            str(tmp_path / "v"),
            "--json",
        )
        res = result_of(r)
        assert res["production"]["untouched"] is True
        assert "never on production" in " ".join(res["production"]["notes"])
        assert _production_facts(fresh_db) == before  # the session lives, no slot, no reload
    finally:
        victim.close()


def test_stable_functions_are_allowed_and_run(fresh_db: str, tmp_path: Path) -> None:
    r = run_cli(
        "probe",
        "--dsn",
        fresh_db,
        "--fingerprint",
        str(tmp_path / "fp.json"),
        "--out",
        str(tmp_path / "k"),
        "--query",
        "now=select to_char(now(), 'YYYY') || count(*)::text from pg_class",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    fp = json.loads((tmp_path / "fp.json").read_text())
    assert fp["queries"]["now"].startswith(time.strftime("%Y"))


# -- 3. timeouts, and no backend left behind ---------------------------------------------------------
SLOW = "select count(*) from generate_series(1, 10000000000)"  # immutable, and hours long


def test_every_session_has_limits(fresh_db: str, tmp_path: Path) -> None:
    r = run_cli(
        "probe",
        "--dsn",
        fresh_db,
        "--no-kit",
        "--fingerprint",
        str(tmp_path / "fp.json"),
        "--query",
        f"slow={SLOW}",
        env={"PGWARDEN_STATEMENT_TIMEOUT": "300ms"},
    )
    assert r.returncode == 3 and "cut short by the server: canceling statement due to statement timeout" in r.stderr
    r = run_cli("probe", "--dsn", fresh_db, "--out", str(tmp_path / "k"))
    limits = json.loads((tmp_path / "k" / "run.json").read_text())["environment"]["session_limits"]
    assert limits["statement_timeout"] and limits["lock_timeout"] and limits["client_connection_check_interval"]
    r = run_cli(
        "probe",
        "--dsn",
        fresh_db,
        "--no-kit",
        "--fingerprint",
        str(tmp_path / "x.json"),
        env={"PGWARDEN_LOCK_TIMEOUT": "soon"},
    )
    assert r.returncode == 2 and "PGWARDEN_LOCK_TIMEOUT='soon'" in r.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_interrupted_probe_leaves_no_backend(fresh_db: str, tmp_path: Path, sig: signal.Signals) -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pgwarden",
            "probe",
            "--dsn",
            fresh_db,
            "--no-kit",
            "--fingerprint",
            str(tmp_path / "fp.json"),
            "--query",
            f"slow={SLOW}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait(lambda: any(a == "pgwarden probe" for _, a in _backends(fresh_db))), "the probe never started"
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            assert _wait(
                lambda: (
                    conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                        "'%generate_series(1, 10000000000)%' AND state = 'active' "
                        "AND pid <> pg_backend_pid()"
                    ).fetchone()
                    == (1,)
                )
            )
        child.send_signal(sig)
        code = child.wait(timeout=30)
        assert code == (130 if sig == signal.SIGTERM else -signal.SIGKILL), child.stderr.read() if child.stderr else ""
        # SIGTERM cancels on the server; after SIGKILL the backend notices the dead client by itself.
        assert _wait(lambda: _backends(fresh_db) == [], timeout=15), _backends(fresh_db)
    finally:
        if child.poll() is None:
            child.kill()


# -- 4. the caller's environment does not reach a server ---------------------------------------------
def test_children_get_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"hunter2-{secrets.token_hex(4)}"
    monkeypatch.setenv("PGPASSWORD", secret)
    monkeypatch.setenv("PGWARDEN_DSN", f"postgresql://u:{secret}@h/db")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    with (
        ThrowawayInstance(pgbin.find(pgbin.SERVER_TOOLS)) as inst,
        psycopg.connect(inst.dsn(), autocommit=True) as conn,
    ):
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None and inst.root is not None
        pids = [int(row[0]), int((inst.root / "data" / "postmaster.pid").read_text().split()[0])]
        for pid in pids:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            assert secret.encode() not in environ and b"PGWARDEN_DSN" not in environ and b"PGPASSWORD" not in environ
    bare = proc.child_env(proc.ChildEnv.BARE)
    client = proc.child_env(proc.ChildEnv.CLIENT)
    assert secret not in json.dumps(bare) and client["PGPASSWORD"] == secret and "AWS_SECRET_ACCESS_KEY" not in client
    out = proc.run(["env"]).stdout
    assert secret not in out and "PATH=" in out


# -- 5. everything written is private ----------------------------------------------------------------
def test_everything_written_is_private(fresh_db: str, tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    script = (
        "import os, sys, runpy; os.umask(0o022); sys.argv = ['pgwarden'] + sys.argv[1:]; "
        "runpy.run_module('pgwarden', run_name='__main__')"
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=work)

    b = cli("backup", "--dsn", fresh_db, "--json")
    assert b.returncode == 0, b.stderr
    assert cli("verify-backup", result_of(b)["dump_path"]).returncode == 0
    assert cli("probe", "--dsn", fresh_db, "--fingerprint", str(work / "fp.json")).returncode == 0
    assert cli("init", "pkg").returncode == 0 and cli("lock", "pkg").returncode == 0
    assert cli("backup", "--dsn", fresh_db, "--format", "directory", "--jobs", "2").returncode == 0
    loose = []
    for p in [work, *work.rglob("*")]:
        mode = stat.S_IMODE(p.lstat().st_mode)
        want = 0o700 if p.is_dir() else 0o600
        if p != work and mode != want:
            loose.append(f"{p.relative_to(work)} {mode:04o}")
    assert loose == []


# -- 6. the runtime directory is checked, and gc signals only what it proved -------------------------
def test_runtime_directory_is_checked(tmp_path: Path) -> None:
    target = tmp_path / "victim-data"
    target.mkdir(mode=0o700)
    link = tmp_path / "rt"
    link.symlink_to(target)
    r = run_cli("gc", "--json", env={"PGWARDEN_RUNTIME_DIR": str(link)})
    assert r.returncode == 3 and "is a symlink; refusing to follow it" in envelope(r)["error"]["message"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o777)
    r = run_cli("gc", env={"PGWARDEN_RUNTIME_DIR": str(loose)})
    assert r.returncode == 3 and "is writable by others" in r.stderr
    afile = tmp_path / "afile"
    afile.write_text("x")
    for var in ("PGWARDEN_RUNTIME_DIR", "PGWARDEN_CACHE_DIR"):
        r = run_cli("verify-backup", str(tmp_path / "x.dump"), "--json", env={var: str(afile / "sub")})
        r = run_cli("gc", env={var: str(afile / "sub")}) if var == "PGWARDEN_RUNTIME_DIR" else r
        if var == "PGWARDEN_CACHE_DIR":
            code = (
                "from pgwarden.cli.base import run\nfrom pgwarden.instances.runtime import cache_root\n"
                "run(cache_root, as_json=False)\n"
            )
            r = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                env={**os.environ, var: str(afile / "sub")},
            )
        assert r.returncode == 3 and "Traceback" not in r.stderr, (var, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    if ROOT:
        other = tmp_path / "others"
        other.mkdir(mode=0o711)
        os.chown(other, pwd.getpwnam("nobody").pw_uid, -1)
        r = run_cli("gc", env={"PGWARDEN_RUNTIME_DIR": str(other)})
        assert r.returncode == 3 and "is owned by nobody" in r.stderr


def test_gc_never_signals_a_planted_pid(pg_server: Server, tmp_path: Path) -> None:
    runtime = tmp_path / "rt"
    runtime.mkdir(mode=0o711)
    planted = runtime / "inst-planted" / "data"
    planted.mkdir(parents=True)
    assert pg_server.instance.root is not None
    prod_pid = int((pg_server.instance.root / "data" / "postmaster.pid").read_text().split()[0])
    (planted / "postmaster.pid").write_text(f"{prod_pid}\n{planted}\n")
    (planted.parent / "owner.json").write_text(json.dumps({"pid": 999999999}))
    r = run_cli("gc", "--json", env={"PGWARDEN_RUNTIME_DIR": str(runtime)})
    assert r.returncode == 0, r.stderr
    assert str(planted.parent) in result_of(r)["removed"]
    time.sleep(0.5)
    os.kill(prod_pid, 0)  # still alive
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


# -- 7. the smaller ones --------------------------------------------------------------------------------
def _proc_status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def _wchan(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/wchan").read_text().strip()
    except OSError:
        return ""


@pytest.mark.parametrize("moment", [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, "handlers", "held"])
def test_sigterm_while_starting_is_130_without_traceback(tmp_path: Path, moment: float | str) -> None:
    """SIGTERM at a moment of the start-up (seconds after the start; "handlers": as soon as pgwarden catches
    SIGTERM; "held": once the run waits on its manifest). The manifest is a FIFO nobody writes, so the run can
    never finish first. The child is stopped (SIGSTOP) before the signal is sent, and the kernel then says
    which outcome alone is right: before pgwarden's first lines catch SIGTERM (SigCgt), the interpreter is still
    starting and the signal's default action ends it; from then on, exit 130 saying so. Never a traceback."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    os.mkfifo(pkg / "pgwarden.toml")
    child = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "check", str(pkg), "--no-kit"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if moment == "handlers":
            assert _wait(lambda: _catches_sigterm(child.pid)), _proc_status(child.pid)
        elif moment == "held":
            assert _wait(lambda: _catches_sigterm(child.pid))
            _wait(lambda: _wchan(child.pid) == "wait_for_partner", 30)  # opening the FIFO (where /proc says so)
        else:
            time.sleep(float(moment))
        child.send_signal(signal.SIGSTOP)
        assert _wait(lambda: _proc_status(child.pid).get("State", "").startswith("T"), 10), _proc_status(child.pid)
        caught = _catches_sigterm(child.pid)
        child.send_signal(signal.SIGTERM)
        child.send_signal(signal.SIGCONT)
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert "Traceback" not in err, (moment, err)
    if caught:  # "pgwarden: interrupted by SIGTERM while starting", "pgwarden: interrupted: interrupted by SIGTERM…",
        # or, landing inside click's own parsing (which turns it into Abort), "pgwarden: interrupted"
        assert child.returncode == 130 and err.strip().splitlines()[-1].startswith("pgwarden: interrupted"), (
            moment,
            child.returncode,
            err,
        )
    else:
        assert child.returncode == -signal.SIGTERM, (moment, child.returncode, err)
    if moment in ("handlers", "held"):
        assert caught, moment


def _catches_sigterm(pid: int) -> bool:
    """pgwarden's handlers are in place: the process catches SIGTERM (Python leaves it at the default)."""
    mask = int(_proc_status(pid).get("SigCgt", "0"), 16)
    return bool(mask & (1 << (signal.SIGTERM - 1)))


def test_full_disk_with_directory_format_is_one_line(fresh_db: str, tiny_fs: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big AS SELECT g, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 120000) g"
        )
    r = run_cli("backup", "--dsn", fresh_db, "--format", "directory", "--jobs", "2", "--out", str(tiny_fs / "k"))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Exception in thread" not in r.stderr and "Traceback" not in r.stderr


def test_sigkill_of_backup_leaves_its_fifo_where_gc_removes_it(fresh_db: str, tmp_path: Path) -> None:
    runtime = tmp_path / "rt"
    env = {"PGWARDEN_RUNTIME_DIR": str(runtime), "PGWARDEN_LOCK_TIMEOUT": "60s"}
    with psycopg.connect(fresh_db) as holder:
        holder.execute("CREATE TABLE held (id int)")
        holder.commit()
        holder.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")  # pg_dump waits here
        child = subprocess.Popen(
            [sys.executable, "-m", "pgwarden", "backup", "--dsn", fresh_db, "--out", str(tmp_path / "k")],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert _wait(lambda: list(runtime.glob("dump-*/pg_dump.fifo")) != [])
            assert _wait(lambda: any(a == "pgwarden backup" for _, a in _backends(fresh_db)))
            child.kill()
            child.wait(timeout=10)
        finally:
            holder.rollback()
    assert list(runtime.glob("dump-*")) != []
    # pg_dump died with its parent: nothing keeps reading production for nobody.
    assert _wait(lambda: _backends(fresh_db) == [], timeout=15), _backends(fresh_db)
    r = run_cli("gc", "--json", env=env)
    assert r.returncode == 0 and list(runtime.glob("dump-*")) == [], r.stdout


@pytest.mark.parametrize(
    "dsn, leaked",
    [
        ("host=/nonexistent dbname=x password=LeakA LeakB", ("LeakA", "LeakB")),
        ("postgresql://u:Leak@Part@/nonexistent/x", ("Leak@Part", "Part@")),
        ("postgresql://u:s3cr%40et@localhost:1/x?connect_timeout=1", ("s3cr%40et", "s3cr@et")),
    ],
)
def test_malformed_dsns_leak_no_part_of_the_password(tmp_path: Path, dsn: str, leaked: tuple[str, ...]) -> None:
    r = run_cli("probe", "--dsn", dsn, "--out", str(tmp_path / "k"), "--json")
    assert r.returncode in (2, 3), r.stderr
    for piece in leaked:
        assert piece not in r.stderr and piece not in r.stdout, (piece, r.stderr)


def test_nonexistent_pg_bin_is_a_warning(tmp_path: Path) -> None:
    r = run_cli("binaries", env={"PGWARDEN_PG_BIN": str(tmp_path / "typo")})
    assert r.returncode == 0
    assert f"pgwarden: warning: PGWARDEN_PG_BIN entry {tmp_path / 'typo'} is not a directory" in r.stderr


def test_crlf_sha256sums_does_not_verify(fresh_db: str, tmp_path: Path) -> None:
    assert run_cli("probe", "--dsn", fresh_db, "--out", str(tmp_path / "k")).returncode == 0
    sums = tmp_path / "k" / "SHA256SUMS"
    sums.write_bytes(sums.read_bytes().replace(b"\n", b"\r\n"))
    r = run_cli("evidence", "verify", str(tmp_path / "k"))
    assert r.returncode == 1 and "CRLF" in r.stdout


# -- optional kit signing ----------------------------------------------------------------------------
def test_signed_kit_catches_a_whole_kit_rewrite(fresh_db: str, tmp_path: Path) -> None:
    for name in ("key", "other"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)], check=True)
    kit = tmp_path / "k"
    assert run_cli("probe", "--dsn", fresh_db, "--out", str(kit)).returncode == 0
    r = run_cli("evidence", "sign", str(kit), "--key", str(tmp_path / "key"))
    assert r.returncode == 0, r.stderr
    ok = run_cli("evidence", "verify", str(kit), "--key", str(tmp_path / "key.pub"))
    assert ok.returncode == 0 and "signature: valid" in ok.stdout
    bad = run_cli("evidence", "verify", str(kit), "--key", str(tmp_path / "other.pub"))
    assert bad.returncode == 1 and "does not verify with that key" in bad.stdout
    # Rewrite a file and recompute everything the unkeyed chain checks: only the signature catches it.
    from pgwarden.evidence.kitfiles import EVENTS, GENESIS, SUMS
    from pgwarden.evidence.sums import SumEntry, sha256_file, write_sums

    (kit / "SUMMARY.md").write_text("# all fine, trust me\n")
    lines = (kit / EVENTS).read_text().splitlines()
    prev, out = GENESIS, []
    import hashlib

    for n, raw in enumerate(lines, 1):
        rec = json.loads(raw)
        rec["prev"] = prev
        if rec["kind"] == "seal":
            rec["data"]["files"]["SUMMARY.md"] = sha256_file(kit / "SUMMARY.md")
        line = json.dumps(rec, sort_keys=True)
        out.append(line)
        prev = hashlib.sha256(line.encode()).hexdigest()
        assert rec["seq"] == n
    (kit / EVENTS).write_text("\n".join(out) + "\n")
    files = sorted(
        p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file() and p.name not in (SUMS, "SHA256SUMS.sig")
    )
    write_sums(kit / SUMS, [SumEntry(f, sha256_file(kit / f)) for f in files])
    assert run_cli("evidence", "verify", str(kit)).returncode == 0  # unkeyed: fooled, as the README says
    r = run_cli("evidence", "verify", str(kit), "--key", str(tmp_path / "key.pub"))
    assert r.returncode == 1 and "SHA256SUMS.sig" in r.stdout
