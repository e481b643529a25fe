"""The command line: parse, call a library function, format. Nothing else lives here.

One module per area registers its commands on :data:`pgwarden.cli.base.main`; once all are registered,
:func:`pgwarden.cli.base.apply_conventions` gives every option its ``PGWARDEN_*`` environment variable.
"""

from __future__ import annotations

import os as _os
import signal as _signal


def _early_exit(signum: int, _frame: object) -> None:  # until main() installs the real handlers
    _os.write(2, f"pgwarden: interrupted by {_signal.Signals(signum).name} while starting\n".encode())
    _os._exit(130)


for _sig in (_signal.SIGTERM, _signal.SIGHUP, _signal.SIGINT):
    _signal.signal(_sig, _early_exit)

from pgwarden.cli import (  # noqa: E402, F401
    apply,
    backup,
    check,
    demo,
    evidence,
    importing,
    instances,
    ledger,
    package,
    pg,
    probe,
    rehearse,
    schema,
)
from pgwarden.cli.base import apply_conventions, main  # noqa: E402

apply_conventions(main)  # every option of every command, registered above, reads its PGWARDEN_* variable

__all__ = ["main"]
