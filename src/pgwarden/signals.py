"""SIGTERM and SIGHUP become :class:`Interrupted`, so ``with`` blocks tear throwaway instances down."""

from __future__ import annotations

import signal
from types import FrameType

from pgwarden.errors import Interrupted


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(f"interrupted by {signal.Signals(signum).name}")


def install() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise)
