"""``pgwarden gc`` and the rehearsal clone's dump (issue 20, "Trust II").

A ``rehearse --data`` dumps production into a private directory of the runtime directory. Killed with
SIGKILL while it rehearses, it leaves that directory (a full data dump of production) behind: ``gc`` must
remove it once its owner is gone, keep what a live pgwarden owns (unless ``--all``), and never follow a
symlink or touch anything outside the runtime directory.

The hold point is on the clone's server: the package's bundle runs ``pg_sleep`` on the throwaway clone
(bundles never run on the target during a rehearsal, so no lock the test holds on the target could stop
it there), and the test waits until the clone's own ``pg_stat_activity`` shows that statement running.
By then the clone was restored from the finished dump, so the dump is complete and the rehearsing process
cannot remove it before the kill: the sleep outlasts the test by minutes. Each test has its own runtime
directory (``PGWARDEN_RUNTIME_DIR``), so ``gc`` never sees another test's instances.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgwarden.instances import runtime
from pgwarden.instances.gc import gc
from pgwarden.pg import binaries as pgbin
from tests._apply_helpers import B, wait_for, write_package
from tests.conftest import Server, result_of, run_cli

DEAD = 999_999_999  # above any pid_max: never a live process


@pytest.fixture
def runtime_dir() -> Iterator[Path]:
    """A private runtime directory, reachable by the sandbox user (when root) like /tmp/pgwarden-<uid>."""
    base = Path(tempfile.mkdtemp(prefix="pgw-gc-clones-", dir="/tmp"))
    os.chmod(base, 0o711)
    rt = base / "rt"
    try:
        yield rt
    finally:
        if rt.is_dir():
            run_cli("gc", "--all", env={"PGWARDEN_RUNTIME_DIR": str(rt)})  # a server a failed test left
        shutil.rmtree(base, ignore_errors=True)


def _tree(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under ``root`` (symlinks not followed): its type, mode and content hash."""
    out: dict[str, tuple[str, int, str]] = {}
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            p = Path(dirpath) / name
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[str(p.relative_to(root))] = ("link", 0, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[str(p.relative_to(root))] = ("dir", stat.S_IMODE(st.st_mode), "")
            else:
                out[str(p.relative_to(root))] = (
                    "file",
                    stat.S_IMODE(st.st_mode),
                    hashlib.sha256(p.read_bytes()).hexdigest(),
                )
    return out


def _plant_traps(rt: Path, outside: Path) -> list[Path]:
    """Entries named like pgwarden's leftovers (dead owners) that lead outside the runtime directory."""
    victim = outside / "victim"
    (victim / "data").mkdir(parents=True)
    (victim / runtime.OWNER_FILE).write_text(json.dumps({"pid": DEAD}))
    (victim / "keep.txt").write_text("an instance-looking directory outside the runtime directory\n")
    (outside / f".partial-{DEAD}-trap").mkdir()
    (outside / f".partial-{DEAD}-trap" / "PG_VERSION").write_text("18\n")
    (outside / "precious.txt").write_text("must survive gc\n")
    traps = [rt / f"clone-{DEAD}-trap", rt / f"dump-{DEAD}-trap", rt / "inst-trap", rt / "spares" / "trapkey"]
    for link, target in zip(traps, (outside, outside, victim, outside), strict=True):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=True)
    stray = rt / f"tpl-{DEAD}-file"
    stray.write_text("a file, not a directory\n")
    return [*traps, stray]


def _clone_sessions(inst: Path, needle: str) -> int:
    """Sessions on the clone's server running a statement that contains ``needle`` (0 until it is up)."""
    try:
        with psycopg.connect(
            host=str(inst / "sock"), port=5432, user="postgres", dbname="postgres", autocommit=True, connect_timeout=5
        ) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE state = 'active' "
                "AND pid <> pg_catalog.pg_backend_pid() AND query LIKE %s",
                (f"%{needle}%",),
            ).fetchone()
    except psycopg.OperationalError:
        return 0
    return int(row[0]) if row else 0


def _restored_text(pg_server: Server, dump: Path) -> str:
    """The dump's data as SQL (the archive is compressed: its raw bytes do not show a value)."""
    bins = pgbin.find(("pg_restore",), major=pg_server.major, at_least=pg_server.major)
    r = subprocess.run(
        [str(bins.path("pg_restore")), "--data-only", "-f", "-", str(dump)], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def _gc(rt: Path, *args: str) -> dict[str, Any]:
    r = run_cli("gc", "--json", *args, env={"PGWARDEN_RUNTIME_DIR": str(rt)})
    assert r.returncode == 0, r.stderr
    return result_of(r)


def test_gc_removes_the_clone_dump_a_killed_rehearse_data_left(
    pg_server: Server, fresh_db: str, tmp_path: Path, runtime_dir: Path
) -> None:
    sentinel = f"sentinel-{secrets.token_hex(8)}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.secret (id int PRIMARY KEY, v text NOT NULL)")
        conn.execute("INSERT INTO public.secret VALUES (1, %s)", (sentinel,))
    needle = "pg_sleep(290)"
    pkg = write_package(
        tmp_path / "pkg", [B("A", f"CREATE TABLE public.a (id int);\nSELECT {needle};", "DROP TABLE public.a;")]
    )
    env = {**os.environ, "PGWARDEN_RUNTIME_DIR": str(runtime_dir)}
    with open(tmp_path / "rehearse.stderr", "wb") as err:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pgwarden",
                "rehearse",
                str(pkg),
                "--dsn",
                fresh_db,
                "--data",
                "--out",
                str(tmp_path / "kit"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            start_new_session=True,
        )
    try:
        wait_for(lambda: any(runtime_dir.glob("inst-*")) or child.poll() is not None, what="the clone's instance")
        assert child.poll() is None, (tmp_path / "rehearse.stderr").read_text()
        [inst] = runtime_dir.glob("inst-*")
        wait_for(
            lambda: _clone_sessions(inst, needle) == 1 or child.poll() is not None,
            timeout=120,
            what="the bundle's pg_sleep running on the clone",
        )
        assert child.poll() is None, (tmp_path / "rehearse.stderr").read_text()
        postmaster = runtime.postmaster_pid(inst / "data")
        os.killpg(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=60)

    # what the kill left: a private directory holding production's data
    [clone] = [p for p in runtime_dir.iterdir() if p.name.startswith("clone-")]
    assert runtime.owner_pid(clone.name) == child.pid
    assert stat.S_IMODE(clone.lstat().st_mode) == 0o700 and not clone.is_symlink()
    dump = clone / "clone.dump"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert sentinel in _restored_text(pg_server, dump), "the clone's dump does not hold the target's rows"

    outside = tmp_path / "outside"
    traps = _plant_traps(runtime_dir, outside)
    live = runtime_dir / f"clone-{os.getpid()}-live"  # a live owner: this test process
    live.mkdir(mode=0o700)
    (live / "clone.dump").write_bytes(b"in use")
    before = _tree(outside)

    res = _gc(runtime_dir)
    assert str(clone) in res["removed"] and str(inst) in res["removed"], res
    assert not clone.exists() and not inst.exists()
    assert str(live) in res["kept"] and (live / "clone.dump").read_bytes() == b"in use"
    assert {s.split(": ", 1)[0] for s in res["skipped"]} == {str(t) for t in traps}, res["skipped"]
    assert all(os.path.lexists(t) for t in traps), "gc removed a symlink it should have left alone"
    assert _tree(outside) == before, "gc touched something outside the runtime directory"
    if postmaster is not None:
        wait_for(lambda: not runtime.pid_alive(postmaster), timeout=20, what="the clone's server stopped")

    res = _gc(runtime_dir, "--all")  # --all: also what a running pgwarden owns
    assert str(live) in res["removed"] and not live.exists()
    assert _tree(outside) == before


def test_every_private_directory_kind_is_swept(monkeypatch: pytest.MonkeyPatch, runtime_dir: Path) -> None:
    """Each kind of private directory is made 0700 in the runtime directory and removed by gc once its owner is
    gone; a kind gc does not know cannot be made at all."""
    monkeypatch.setenv("PGWARDEN_RUNTIME_DIR", str(runtime_dir))
    made = []
    for kind in runtime.PrivateKind:
        d = runtime.private_dir(kind)
        assert d.parent == runtime_dir and stat.S_IMODE(d.stat().st_mode) == 0o700
        assert runtime.private_kind(d.name) == kind and runtime.owner_pid(d.name) == os.getpid()
        made.append(d)
    dead = runtime_dir / f"clone-{DEAD}-abcd1234"
    dead.mkdir(mode=0o700)
    partial = runtime_dir / "pgcopy-18-0123456789ab.tmp999999999"
    partial.mkdir()
    with pytest.raises(ValueError):
        runtime.private_dir("scratch")
    res = gc()  # in this process, its own pid counts as reused: nothing is owned by gc itself
    assert set(res.removed) == {str(d) for d in [*made, dead, partial]} and not res.kept and not res.skipped
    assert not any(runtime_dir.iterdir())
