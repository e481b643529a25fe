"""The one way pgwarden runs a subprocess.

Output is streamed line by line (to a log file and an optional callback), every call has a timeout,
and a child that must stop is terminated, then killed. Passwords travel only in the environment
(``PGPASSWORD``), never on the command line; argv is checked for that.

A child gets a clean environment built from an allowlist, never the caller's: :attr:`ChildEnv.BARE`
(PATH, locale, TZ) for servers and for tools that talk to a throwaway instance, :attr:`ChildEnv.CLIENT`
(BARE plus the caller's libpq variables and HOME, for ``.pgpass``) for a client tool that connects to
the user's own server. A password reaches only that client tool, never a server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from pgwarden.errors import EnvironmentProblem, disk_full
from pgwarden.redact import redact_text


@dataclass(frozen=True)
class ProcResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class ChildEnv(StrEnum):
    BARE = "bare"
    CLIENT = "client"


_BARE_KEYS = ("PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR")
# What libpq reads from the environment (libpq's "Environment Variables" chapter), plus HOME for ~/.pgpass
# and ~/.pg_service.conf.
_LIBPQ_KEYS = (
    "HOME",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGOPTIONS",
    "PGAPPNAME",
    "PGSSLMODE",
    "PGREQUIRESSL",
    "PGSSLCOMPRESSION",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLCERTMODE",
    "PGSSLROOTCERT",
    "PGSSLCRL",
    "PGSSLCRLDIR",
    "PGSSLSNI",
    "PGSSLNEGOTIATION",
    "PGREQUIREPEER",
    "PGREQUIREAUTH",
    "PGSSLMINPROTOCOLVERSION",
    "PGSSLMAXPROTOCOLVERSION",
    "PGGSSENCMODE",
    "PGKRBSRVNAME",
    "PGGSSLIB",
    "PGGSSDELEGATION",
    "PGCHANNELBINDING",
    "PGCONNECT_TIMEOUT",
    "PGCLIENTENCODING",
    "PGTARGETSESSIONATTRS",
    "PGLOADBALANCEHOSTS",
    "PGDATESTYLE",
    "PGTZ",
    "PGGEQO",
    "PGSYSCONFDIR",
    "PGLOCALEDIR",
    "KRB5CCNAME",
    "KRB5_CONFIG",
    "PGMAXPROTOCOLVERSION",
    "PGMINPROTOCOLVERSION",
)


def child_env(kind: ChildEnv = ChildEnv.BARE, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a child starts with: the allowlist of ``kind``, then ``extra``."""
    src = os.environ
    keys = _BARE_KEYS + (_LIBPQ_KEYS if kind == ChildEnv.CLIENT else ())
    env = {k: src[k] for k in keys if k in src}
    env.update({k: v for k, v in src.items() if k.startswith("LC_")})
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    if extra:
        env.update(extra)
    return env


_PR_SET_PDEATHSIG = 1
try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux
    _LIBC = None


def _die_with_us() -> None:
    """In the child, before exec: SIGTERM it when pgwarden dies, even by SIGKILL, so that no pg_dump or
    server is left running for nobody (Linux's parent-death signal; set after any change of user)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _popen(
    args: list[str], env: dict[str, str], user: int | None, group: int | None, **streams: Any
) -> subprocess.Popen[bytes]:
    """Every child: in a session of its own, as ``user`` and ``group`` with no supplementary groups, and
    signalled when pgwarden dies (:func:`_die_with_us`)."""
    return subprocess.Popen(
        args,
        env=env,
        start_new_session=True,
        user=user,
        group=group,
        extra_groups=[] if group is not None else None,
        preexec_fn=_die_with_us,
        **streams,
    )


def _argv_has_password(argv: Sequence[str]) -> bool:
    """A key=value password, a URI with a password, or --password=... anywhere on the command line."""
    return any(redact_text(a) != a or a.startswith("--password=") for a in argv)


class _Pump:
    """Reads one stream of a child; a log that cannot be written (a full disk) is reported, not raised."""

    def __init__(
        self,
        stream: IO[bytes],
        sink: list[str],
        log: IO[str] | None,
        on_line: Callable[[str], None] | None,
        secrets: tuple[str, ...],
    ) -> None:
        self.stream, self.sink, self.log, self.on_line, self.secrets = stream, sink, log, on_line, secrets
        self.error: OSError | None = None

    def __call__(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = redact_text(raw.decode("utf-8", "replace"), self.secrets)
            self.sink.append(line)
            if self.log is not None and self.error is None:
                try:
                    self.log.write(line)
                    self.log.flush()
                except OSError as exc:  # keep draining the pipe, or the child blocks
                    self.error = exc
            if self.on_line is not None:
                self.on_line(line.rstrip("\n"))
        self.stream.close()


def stop_process(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate, then kill, the child and its process group."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait()


def run(
    argv: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    inherit: ChildEnv = ChildEnv.BARE,
    timeout: float = 3600.0,
    check: bool = True,
    log_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    stdout_path: Path | None = None,
    stdin_path: Path | None = None,
    user: int | None = None,
    group: int | None = None,
    cwd: Path | None = None,
    secrets: tuple[str, ...] = (),
) -> ProcResult:
    """Run ``argv`` to completion and return its result.

    ``stdout_path`` sends stdout to a file instead of capturing it (for dumps). ``user``/``group``
    drop privileges in the child, which is how servers run when pgwarden runs as root.
    """
    args = [str(a) for a in argv]
    if _argv_has_password(args):
        raise AssertionError("refusing to put a password on a command line")
    full_env = child_env(inherit, env)
    started = time.monotonic()
    log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
    out_file = open(stdout_path, "wb") if stdout_path else None  # noqa: SIM115
    in_file = open(stdin_path, "rb") if stdin_path else None  # noqa: SIM115
    try:
        if log is not None:
            log.write(redact_text(f"$ {' '.join(args)}\n", secrets))
        try:
            proc = _popen(
                args,
                full_env,
                user,
                group,
                stdin=in_file if in_file else subprocess.DEVNULL,
                stdout=out_file if out_file else subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
            )
        except FileNotFoundError as exc:
            raise EnvironmentProblem(f"cannot run {args[0]}: not found") from exc
        except PermissionError as exc:
            raise EnvironmentProblem(f"cannot run {args[0]}: permission denied") from exc
        out_lines: list[str] = []
        err_lines: list[str] = []
        assert proc.stderr is not None
        pumps = [_Pump(proc.stderr, err_lines, log, on_line, secrets)]
        if out_file is None:
            assert proc.stdout is not None
            pumps.append(_Pump(proc.stdout, out_lines, log, on_line, secrets))
        threads = [threading.Thread(target=p, daemon=True) for p in pumps]
        for t in threads:
            t.start()
        # A blocking wait returns the moment the child exits (wait(timeout=...) polls with sleeps of up
        # to 50 ms); the timeout is a timer that stops the child, after which the wait returns.
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            stop_process(proc)

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            proc.wait()
        except BaseException:
            stop_process(proc)
            raise
        finally:
            timer.cancel()
            for t in threads:
                t.join(timeout=5)
        if expired.is_set():
            raise EnvironmentProblem(f"{Path(args[0]).name} did not finish within {timeout:.0f}s; stopped it")
        for p in pumps:
            if p.error is not None:
                raise disk_full(p.error, log_path) or EnvironmentProblem(
                    f"cannot write {log_path}: {p.error.strerror or p.error}"
                )
    finally:
        for f, path in ((log, log_path), (out_file, stdout_path), (in_file, stdin_path)):
            if f is not None:
                try:
                    f.close()
                except OSError as exc:
                    full = disk_full(exc, path)
                    if full is None:
                        raise
                    raise full from exc
    result = ProcResult(
        tuple(args), proc.returncode, "".join(out_lines), "".join(err_lines), time.monotonic() - started
    )
    if check and proc.returncode != 0:
        tail = [line for line in result.stderr.strip().splitlines() if line.strip()][-5:]
        raise EnvironmentProblem(f"{Path(args[0]).name} failed with exit code {proc.returncode}", details=tail)
    return result


def spawn(
    argv: Sequence[str | Path],
    *,
    log_path: Path,
    user: int | None = None,
    group: int | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-running child (a postmaster) in its own session, output to ``log_path``, with a bare
    environment (see :func:`child_env`)."""
    args = [str(a) for a in argv]
    if _argv_has_password(args):
        raise AssertionError("refusing to put a password on a command line")
    full_env = child_env(ChildEnv.BARE, env)
    with open(log_path, "ab") as log:
        return _popen(args, full_env, user, group, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
