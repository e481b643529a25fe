"""The pgwarden CLI run inside the test process: the same click entry point ``python -m pgwarden`` runs
(:data:`pgwarden.cli.main`, whose ``main`` sets the umask, installs the signal handlers, redacts stdout and
stderr, prints the JSON envelope and calls ``sys.exit``), without starting an interpreter and importing
pgwarden again for every run.

What a fresh process would not carry from one run to the next is put back afterwards: the environment, the
working directory, the umask, the SIGTERM/SIGHUP/SIGINT handlers, ``sys.argv`` and the standard streams, the
secrets registered for redaction, and every ``functools`` cache of pgwarden's modules. What a process does when it
exits is done too: non-daemon threads it started are joined, throwaway instances it left are stopped, and a
garbage collection closes the connections nothing refers to any more.

Output is captured as bytes and decoded as ``subprocess.run(..., text=True)`` decodes a pipe (the locale's
encoding, universal newlines), so a ``\\r`` reads back as it would from a real process.

What only a real process shows stays a subprocess (:func:`run_subprocess`): signals and crashes, the child's
environment and argv, whether its streams are terminals, the interpreter's own start-up (``PYTHON*``, locale).
"""

from __future__ import annotations

import functools
import gc
import io
import locale
import os
import signal
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pgwarden

_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
# Read by the interpreter while it starts (encodings, warnings, paths): only a new process sees a change.
_STARTUP_ENV = ("PYTHON", "LC_", "LANG")
_MAIN = str(Path(pgwarden.__file__).with_name("__main__.py"))


def argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "pgwarden", *args]


def run_subprocess(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 600, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pgwarden`` in a real child process, with ``env`` over this process's environment."""
    return subprocess.run(
        argv(*args), capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout, cwd=cwd
    )


# Commands whose meaning depends on being their own process: ``gc`` removes what a pid that is not alive, or is its
# own, left (it owns nothing itself), and in this process that would be the test session's servers.
_PROCESS_COMMANDS = frozenset({"gc"})


def needs_process(args: Sequence[str], env: Mapping[str, str] | None) -> bool:
    """Whether ``pgwarden *args`` with ``env`` only means what it does in a process of its own: a command that
    looks at its own pid, a variable only an interpreter's start-up reads, or a call from a thread other than
    the main one (signal handlers, the standard streams, the working directory and the environment are the
    process's: runs from a test's thread pool are processes, side by side)."""
    command = next((a for a in args if not a.startswith("-")), None)
    return (
        command in _PROCESS_COMMANDS
        or any(k.startswith(_STARTUP_ENV) for k in (env or {}))
        or threading.current_thread() is not threading.main_thread()
    )


def _saved_signals() -> dict[int, Any]:
    return {s: signal.getsignal(s) for s in _SIGNALS}


def _restore_signals(saved: dict[int, Any]) -> None:
    for sig, handler in saved.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@functools.cache
def _entry() -> Any:
    """The click group (importing pgwarden.cli installs its start-up handlers: this process keeps its own)."""
    saved = _saved_signals()
    try:
        from pgwarden.cli import main
    finally:
        _restore_signals(saved)
    return main


def _stream(errors: str) -> io.TextIOWrapper:
    """A stand-in for a pipe: not a terminal, no file descriptor, the encoding ``python -m`` would use on one."""
    return io.TextIOWrapper(
        io.BytesIO(), encoding=locale.getpreferredencoding(False), errors=errors, write_through=True
    )


def _decode(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = cast(io.BytesIO, stream.buffer).getvalue()
    text = raw.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")  # what text=True reads from a pipe


def _exit_code(code: object, err: io.TextIOWrapper) -> int:
    """The status a process exiting with SystemExit(code) has."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=err)
    return 1


def _pgwarden_modules() -> list[ModuleType]:
    return [m for name, m in list(sys.modules.items()) if m is not None and name.split(".")[0] == "pgwarden"]


def _clear_caches() -> None:
    """Every functools cache of pgwarden's modules: a new process would find binaries, sandboxes… anew."""
    for module in _pgwarden_modules():
        for value in list(vars(module).values()):
            if (
                callable(value)
                and hasattr(value, "cache_info")
                and hasattr(value, "cache_clear")
                and getattr(value, "__module__", None) == module.__name__
            ):  # functools.cache, lru_cache
                value.cache_clear()


def _restore_environ(saved: dict[str, str]) -> None:
    for key in [k for k in os.environ if k not in saved]:
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def _default_warning_filters() -> None:
    """The filters of a plain ``python`` (pytest's own, e.g. ``error``, are not the CLI's)."""
    warnings.resetwarnings()
    warnings.simplefilter("default")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)


def _finish_like_an_exit(threads_before: set[threading.Thread], live_before: set[Any]) -> None:
    """What the end of a process does: wait for non-daemon threads, run pgwarden's own atexit clean-up."""
    for t in threading.enumerate():
        if t not in threads_before and not t.daemon and t is not threading.current_thread():
            t.join(timeout=120)
    from pgwarden.instances import instance

    for inst in list(instance._LIVE - live_before):
        inst.stop()


class _TimedOut(BaseException):
    """Raised by SIGALRM where the run is (a BaseException: nothing catching ``Exception`` swallows it)."""


def _time_out(_signum: int, _frame: object) -> None:
    raise _TimedOut


def run_in_process(
    args: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """``pgwarden *args`` in this process: its exit code, stdout and stderr, as :func:`run_subprocess` gives them.
    A run longer than ``timeout`` seconds is broken off by SIGALRM and raises :class:`subprocess.TimeoutExpired`,
    as ``subprocess.run`` does (a blocking open or read is interrupted too)."""
    main = _entry()
    from pgwarden import redact

    out, err = _stream("surrogateescape"), _stream("backslashreplace")
    stdin = io.TextIOWrapper(io.BytesIO(), encoding=locale.getpreferredencoding(False))
    saved_env = dict(os.environ)
    saved_streams = (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__)
    saved_argv = sys.argv
    saved_signals = _saved_signals()
    saved_umask = os.umask(0o077)
    os.umask(saved_umask)
    saved_cwd = os.getcwd()
    saved_secrets = set(redact._REGISTERED)
    threads_before = set(threading.enumerate())
    from pgwarden.instances import instance

    live_before = set(instance._LIVE)
    saved_alarm = signal.getsignal(signal.SIGALRM)
    code, timed_out = 0, False
    _clear_caches()
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = [_MAIN, *args]
        for name, stream in (("stdin", stdin), ("stdout", out), ("stderr", err)):
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)  # what shutil.get_terminal_size() asks: a pipe, not a terminal
        with warnings.catch_warnings():
            _default_warning_filters()
            try:
                if timeout:
                    signal.signal(signal.SIGALRM, _time_out)
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    main.main(args=list(args), prog_name="pgwarden")
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except _TimedOut:
                timed_out = True
            except SystemExit as exc:
                code = _exit_code(exc.code, err)
            except KeyboardInterrupt:  # uncaught: Python ends the process by SIGINT
                traceback.print_exc(file=err)
                code = -signal.SIGINT
            except BaseException:  # uncaught: the traceback, exit 1
                traceback.print_exc(file=err)
                code = 1
            _finish_like_an_exit(threads_before, live_before)
    finally:
        for name, saved in zip(
            ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"), saved_streams, strict=True
        ):
            setattr(sys, name, saved)
        sys.argv = saved_argv
        _restore_signals(saved_signals)
        signal.signal(signal.SIGALRM, saved_alarm if saved_alarm is not None else signal.SIG_DFL)
        os.umask(saved_umask)
        os.chdir(saved_cwd)
        _restore_environ(saved_env)
        redact._REGISTERED.clear()
        redact._REGISTERED.update(saved_secrets)
        _clear_caches()
        gc.collect()  # connections only a traceback's frames held are closed, as at a process's exit
    if timed_out:
        raise subprocess.TimeoutExpired(argv(*args), timeout or 0, _decode(out), _decode(err))
    return subprocess.CompletedProcess(argv(*args), code, _decode(out), _decode(err))
