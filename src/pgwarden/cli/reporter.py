"""The CLI's reporter: progress on stderr, rich on a terminal, plain lines otherwise. Never markup.

``pgwarden -q`` prints no progress at all (results, errors and warnings are not progress); ``pgwarden -v``
prints every gate with its status and seconds, and starts each line with the seconds since the command began.

User data (a database named ``sales[/]eu``, a ``[target]`` key) is printed as text: rich's markup and
emoji are off, so nothing the user wrote can change or crash the output, and every message is one line,
with its control characters and bidi overrides made visible (:func:`pgwarden.textsafe.out_line`): a
package title or a server's message cannot repaint the terminal or start a line of its own in a CI log.
rich is imported only when stderr is a terminal: a script or CI run does not pay for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pgwarden.progress import Reporter
from pgwarden.textsafe import out_line

if TYPE_CHECKING:
    from rich.console import Console


class TerminalReporter(Reporter):
    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet = quiet
        self.verbose = verbose and not quiet
        self.t0 = time.monotonic()
        self.console: Console | None = None
        if sys.stderr.isatty() and not quiet:  # quiet prints nothing: rich is not even imported
            from rich.console import Console

            self.console = Console(stderr=True, highlight=False, markup=False, emoji=False)

    def step(self, message: str) -> None:
        if self.quiet:
            return
        message = out_line(message)
        if self.verbose:
            message = f"[{time.monotonic() - self.t0:7.2f}s] {message}"
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(message))
        else:
            print(message, file=sys.stderr, flush=True)

    def gate(self, name: str, status: str, seconds: float, reason: str | None) -> None:
        if status in ("PASS", "SKIPPED") and not self.verbose:
            return
        timing = f" ({seconds:.2f} s)" if self.verbose else ""
        self.step(f"gate {name}: {status}{timing}" + (f": {reason}" if reason else ""))

    @contextmanager
    def transfer(self, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        if self.quiet:
            yield lambda _n: None
            return
        label = out_line(label)
        if self.console is not None:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

            with Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=self.console,
                transient=True,
            ) as bar:
                task = bar.add_task(label, total=total)
                yield lambda n: bar.update(task, completed=n)
            return
        state = {"next": 0.1, "done": 0}

        def update(n: int) -> None:
            state["done"] = n
            if total and n / total >= state["next"]:
                self.step(f"{label}: {n:,} bytes ({100 * n // total}%)")
                state["next"] += 0.1

        yield update
        self.step(f"{label}: {state['done']:,} bytes written")


def reporter() -> TerminalReporter:
    """The reporter for the running command, at the verbosity of ``pgwarden -q`` / ``-v``."""
    from pgwarden.cli.base import verbosity

    level = verbosity()
    return TerminalReporter(quiet=level < 0, verbose=level > 0)
