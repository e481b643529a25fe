"""The one root exception of pgwarden.

Every expected failure is a :class:`PgwardenError` carrying a category and the process exit code
the design assigns to it. Anything else that escapes a command is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import signal
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    PASS = 0
    FAIL = 1
    BAD_INPUT = 2
    ENVIRONMENT = 3
    INTERRUPTED = 130


@dataclass(frozen=True)
class Place:
    """Where a bad input is: a file (as the user named it, or package-relative), and its line and column when
    known (0: not known). ``text`` is the error line that names it."""

    file: str
    line: int = 0
    col: int = 0
    text: str = ""


class PgwardenError(Exception):
    """Root of every error pgwarden raises on purpose.

    ``message`` is one line meant for an operator; ``details`` are further lines (already redacted);
    ``kit`` is set when a gate runner sealed an evidence kit on the way out.
    """

    exit_code: ExitCode = ExitCode.FAIL
    category: str = "fail"

    def __init__(
        self, message: str, *, details: list[str] | tuple[str, ...] = (), places: list[Place] | tuple[Place, ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: tuple[str, ...] = tuple(details)
        self.places: tuple[Place, ...] = tuple(places)  # the files (lines, columns) the error names, as fields
        self.kit: str | None = None  # the evidence kit that records this failure, once it is sealed

    def __str__(self) -> str:
        return self.message


class GateFailed(PgwardenError):
    """A gate failed: the evidence is written and says why (exit 1)."""

    exit_code = ExitCode.FAIL
    category = "fail"


class BadInput(PgwardenError):
    """Usage, manifest, expectations, SQL syntax or hash problems: nothing was touched (exit 2)."""

    exit_code = ExitCode.BAD_INPUT
    category = "bad-input"


class EnvironmentProblem(PgwardenError):
    """Cannot connect, binaries missing, disk full: nothing is lost (exit 3)."""

    exit_code = ExitCode.ENVIRONMENT
    category = "environment"


class Interrupted(PgwardenError):
    """SIGINT/SIGTERM arrived; throwaway instances were removed (exit 130)."""

    exit_code = ExitCode.INTERRUPTED
    category = "interrupted"


class Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where it lands the way Python raises SIGINT's KeyboardInterrupt: a
    BaseException, so that no ``except Exception`` (ours, a library's, one around an import) can swallow it,
    and so that psycopg cancels a running query on the server as it does for Ctrl-C. The CLI turns it into
    :class:`Interrupted` (exit 130)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def interrupted(exc: KeyboardInterrupt) -> Interrupted:
    """The :class:`Interrupted` error a Ctrl-C or a termination signal becomes."""
    return Interrupted(str(exc) if isinstance(exc, Signalled) else "interrupted by SIGINT")


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def disk_full(exc: OSError, path: object | None = None) -> EnvironmentProblem | None:
    """The :class:`EnvironmentProblem` for an out-of-space ``OSError``, or None for any other error."""
    if exc.errno not in DISK_FULL_ERRNOS:
        return None
    where = path or exc.filename or "a file"
    return EnvironmentProblem(f"disk full: cannot write {where} ({exc.strerror}); partial files were removed")
