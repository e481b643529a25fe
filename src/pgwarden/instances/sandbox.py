"""The sandbox a throwaway server runs in: a restored dump is hostile until proven otherwise.

- **OS user.** As root, servers run as ``pgwarden-sandbox`` (or ``PGWARDEN_RUN_AS``), created on first
  use, an unprivileged system user that owns no other cluster's files. A user that owns the data
  directory of any running cluster outside pgwarden's runtime directory is refused: a restored
  function that reaches the shell would hold that cluster's files.
- **Isolation**, where the kernel allows it. With bubblewrap (``bwrap``): no network at all (a new,
  empty network namespace; the unix socket still works, it is a file), the host's filesystem
  read-only except the instance's own directory, a private ``/tmp`` and ``/dev/shm``, and ``/run`` and ``/var/tmp``
  empty (a network namespace does not stop ``connect()`` on a host's socket file, such as a production server's in
  ``/run/postgresql``). Without
  bwrap, as root: ``unshare --net`` (no network; the filesystem is not made read-only). Otherwise
  none, and the kit and stderr say so.
"""

from __future__ import annotations

import functools
import os
import pwd
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pgwarden.errors import EnvironmentProblem

SANDBOX_USER = "pgwarden-sandbox"


@dataclass(frozen=True)
class RunAs:
    """The OS identity the server runs under; ``uid is None`` means "as ourselves"."""

    name: str
    uid: int | None
    gid: int | None


class IsolationMethod(StrEnum):
    BWRAP = "bwrap"
    UNSHARE = "unshare"
    NONE = "none"


@dataclass(frozen=True)
class Isolation:
    """Which isolation applied to a throwaway server (recorded in every kit that starts one)."""

    method: IsolationMethod
    os_user: str
    network: bool  # True: the server has no network interface but loopback in its own namespace
    read_only_host: bool  # True: the host filesystem is read-only to it, but its instance directory
    private_tmp: bool
    note: str


# -- the OS user ------------------------------------------------------------------------------------
def run_as() -> RunAs:
    """The user servers run as: ourselves, or (as root) the sandbox user, created when missing."""
    if os.geteuid() != 0:
        return RunAs(pwd.getpwuid(os.geteuid()).pw_name, None, None)
    name = os.environ.get("PGWARDEN_RUN_AS") or SANDBOX_USER
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        if name != SANDBOX_USER:
            raise EnvironmentProblem(f"PGWARDEN_RUN_AS={name}: no such OS user") from None
        pw = _create_sandbox_user()
    if pw.pw_uid == 0:
        raise EnvironmentProblem(f"PGWARDEN_RUN_AS={name} is root; PostgreSQL refuses to run as root")
    return RunAs(name, pw.pw_uid, pw.pw_gid)


def _create_sandbox_user() -> pwd.struct_passwd:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    nologin = next((p for p in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false") if os.path.exists(p)), "/bin/false")
    r = subprocess.run(
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            nologin,
            "--comment",
            "pgwarden throwaway servers",
            SANDBOX_USER,
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        check=False,
    )
    try:
        return pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        raise EnvironmentProblem(
            f"cannot create the sandbox OS user {SANDBOX_USER}: "
            f"{(r.stderr or r.stdout).strip() or f'useradd exit code {r.returncode}'}",
            details=[
                "create it (useradd --system pgwarden-sandbox) or set PGWARDEN_RUN_AS "
                "to an unprivileged user that owns no cluster"
            ],
        ) from None


@dataclass(frozen=True)
class RunningCluster:
    pid: int
    data_dir: str
    owner_uid: int


def running_clusters() -> list[RunningCluster]:
    """Every running postmaster this process can see: its pid, data directory (its cwd) and owner."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            if not Path(exe.removesuffix(" (deleted)")).name.startswith(("postgres", "postmaster")):
                continue
            with open(f"/proc/{pid}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            parent = os.readlink(f"/proc/{ppid}/exe") if ppid > 1 else ""
            if Path(parent.removesuffix(" (deleted)")).name.startswith(("postgres", "postmaster")):
                continue  # a backend or auxiliary process, not a postmaster
            cwd = os.readlink(f"/proc/{pid}/cwd")
            out.append(RunningCluster(pid, cwd, os.stat(cwd).st_uid))
        except (OSError, ValueError, IndexError):
            continue
    return out


def refuse_cluster_owner(who: RunAs, runtime: Path) -> None:
    """The server user must not own a running cluster that is not one of pgwarden's own throwaways."""
    uid = who.uid if who.uid is not None else os.geteuid()
    if os.environ.get("PGWARDEN_ALLOW_CLUSTER_OWNER", "") not in ("", "0"):
        return
    root = os.path.realpath(runtime)
    for c in running_clusters():
        if (
            c.owner_uid == uid
            and not os.path.realpath(c.data_dir).startswith(root + os.sep)
            and not _is_throwaway(Path(c.data_dir))
        ):
            raise EnvironmentProblem(
                f"OS user {who.name} owns the data directory {c.data_dir} of a running cluster (pid {c.pid}); "
                "a restored dump run as that user could reach its files. Refusing to start a throwaway server",
                details=[
                    "run pgwarden as root (servers then run as the pgwarden-sandbox user), or set "
                    "PGWARDEN_RUN_AS to a user that owns no cluster",
                    "PGWARDEN_ALLOW_CLUSTER_OWNER=1 overrides this (recorded in the kit)",
                ],
            )


def _is_throwaway(data_dir: Path) -> bool:
    """A data directory pgwarden made: ``inst-*/data`` beside an ``owner.json`` that we (or root) wrote."""
    try:
        st = os.lstat(data_dir.parent / "owner.json")
    except OSError:
        return False
    return data_dir.name == "data" and data_dir.parent.name.startswith("inst-") and st.st_uid in (0, os.geteuid())


# -- isolation -----------------------------------------------------------------------------------
@functools.cache
def _works(argv: tuple[str, ...]) -> bool:
    try:
        return (
            subprocess.run(argv, capture_output=True, timeout=20, env={"PATH": "/usr/bin:/bin"}, check=False).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


# Where a host keeps unix sockets (a production server's, D-Bus, a container engine's): a network namespace does not
# stop connect() on a socket file, so these are empty in the sandbox ("/var/run" is often a link to "/run").
_SOCKET_DIRS = tuple(d for d in ("/run", "/var/run", "/var/tmp") if os.path.isdir(d) and not os.path.islink(d))


def _bwrap_base(bwrap: str, as_root: bool) -> list[str]:
    hidden = [x for d in _SOCKET_DIRS for x in ("--tmpfs", d)]
    return [
        bwrap,
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--tmpfs",
        "/dev/shm",
        "--proc",
        "/proc",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
        *hidden,
        "--unshare-net",
        "--unshare-ipc",
        "--die-with-parent",
        *([] if as_root else ["--unshare-user"]),
    ]


def isolation_for(who: RunAs) -> Isolation:
    """The strongest isolation this machine allows for servers run as ``who``.

    ``PGWARDEN_ISOLATION`` = ``auto`` (the default), ``bwrap``, ``unshare`` or ``none`` picks one; a
    method that was asked for but cannot work here is exit 3.
    """
    wanted = os.environ.get("PGWARDEN_ISOLATION", "auto") or "auto"
    if wanted not in ("auto", *IsolationMethod):
        raise EnvironmentProblem(f"PGWARDEN_ISOLATION={wanted!r}: expected auto, bwrap, unshare or none")
    as_root = os.geteuid() == 0
    if wanted in ("auto", "bwrap"):
        bwrap = shutil.which("bwrap")
        if bwrap and _works((*_bwrap_base(bwrap, as_root), "--", "/bin/true")):
            return Isolation(
                IsolationMethod.BWRAP,
                who.name,
                True,
                True,
                True,
                "bubblewrap: no network, host filesystem read-only but the instance, private /tmp",
            )
        if wanted == "bwrap":
            raise EnvironmentProblem(
                "PGWARDEN_ISOLATION=bwrap, but bubblewrap is not installed or cannot create "
                "namespaces here (apt-get install bubblewrap)"
            )
    if wanted in ("auto", "unshare"):
        unshare = shutil.which("unshare")
        if as_root and unshare and _works((unshare, "--net", "--ipc", "--", "/bin/true")):
            return Isolation(
                IsolationMethod.UNSHARE,
                who.name,
                True,
                False,
                False,
                "unshare: no network; without bubblewrap (bwrap) the host filesystem is not read-only to the server",
            )
        if wanted == "unshare":
            raise EnvironmentProblem("PGWARDEN_ISOLATION=unshare needs root and network namespaces")
    why = "PGWARDEN_ISOLATION=none" if wanted == "none" else "neither bubblewrap nor network namespaces are available"
    return Isolation(
        IsolationMethod.NONE,
        who.name,
        False,
        False,
        False,
        f"no isolation ({why}): the server runs as OS user {who.name} with its normal access, network included",
    )


def wrap(
    argv: Sequence[str], iso: Isolation, who: RunAs, writable: Path, readable: Sequence[Path] = ()
) -> tuple[list[str], bool]:
    """``argv`` run inside ``iso``: (the full command, whether the wrapper itself drops to ``who``).

    ``writable`` is the instance directory; ``readable`` are further paths under ``/tmp`` the server
    needs (binaries copied to the runtime directory), which the private ``/tmp`` would otherwise hide.
    """
    drop = who.uid is not None and iso.method != IsolationMethod.NONE
    setpriv = (
        [
            shutil.which("setpriv") or "/usr/bin/setpriv",
            f"--reuid={who.uid}",
            f"--regid={who.gid}",
            "--clear-groups",
            "--",
        ]
        if drop
        else []
    )
    if iso.method == IsolationMethod.BWRAP:
        bwrap = shutil.which("bwrap") or "bwrap"
        binds: list[str] = []
        made: set[Path] = set()
        for p, how in [*((q, "--ro-bind") for q in readable), (writable, "--bind")]:
            # bwrap would create the missing parents inside the private /tmp as mode 0700 (root):
            # traversable ones are made first, so the server user can reach the bound path.
            for parent in reversed(Path(p).parents):
                if parent.is_relative_to("/tmp") and parent != Path("/tmp") and parent not in made:
                    binds += ["--perms", "0711", "--dir", str(parent)]
                    made.add(parent)
            binds += [how, str(p), str(p)]
        binds += ["--chdir", str(writable)]
        return [*_bwrap_base(bwrap, os.geteuid() == 0), *binds, "--", *setpriv, *argv], drop
    if iso.method == IsolationMethod.UNSHARE:
        return [shutil.which("unshare") or "unshare", "--net", "--ipc", "--", *setpriv, *argv], drop
    return list(argv), False
