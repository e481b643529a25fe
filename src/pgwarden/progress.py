"""Progress for a person. The library never prints: it tells a :class:`Reporter`, which the CLI supplies.

The default reporter is silent, so a library caller sees nothing unless it asks. Messages are plain
text: a reporter must never interpret them as markup (a database may be named ``sales[/]eu``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Reporter:
    """Receives progress; every method does nothing here. Subclass it to show something."""

    def step(self, message: str) -> None:
        """One line of progress (what is about to happen, or what just did)."""

    def gate(self, name: str, status: str, seconds: float, reason: str | None) -> None:
        """A gate has been recorded."""

    @contextmanager
    def transfer(self, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """Bytes moving (a dump being written): call the yielded function with the bytes done so far."""
        yield lambda _done: None


SILENT = Reporter()
