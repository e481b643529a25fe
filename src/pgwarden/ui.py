"""Progress and messages: always to stderr, rich on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

console = Console(stderr=True, highlight=False)


def info(msg: str) -> None:
    if console.is_terminal:
        console.print(msg)
    else:
        print(msg, file=sys.stderr, flush=True)


class ByteProgress:
    """Reports bytes written; a bar on a terminal, a line every ~10% otherwise."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._next_report = 0.1
        self._bar: Progress | None = None
        self._task: object = None

    def update(self, nbytes: int) -> None:
        self.done = nbytes
        if self._bar is not None:
            self._bar.update(self._task, completed=nbytes)  # type: ignore[arg-type]
        elif self.total and nbytes / self.total >= self._next_report:
            info(f"{self.label}: {nbytes:,} bytes ({100 * nbytes // self.total}%)")
            self._next_report += 0.1


@contextmanager
def byte_progress(label: str, total: int | None) -> Iterator[ByteProgress]:
    bp = ByteProgress(label, total)
    if console.is_terminal:
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      console=console, transient=True) as bar:
            bp._bar = bar
            bp._task = bar.add_task(label, total=total)
            yield bp
    else:
        yield bp
        info(f"{label}: {bp.done:,} bytes written")
