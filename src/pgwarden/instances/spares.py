"""Pre-copied template clusters, so that a throwaway instance does not wait for a copy.

Copying the ``initdb`` template (~24 MB, ~1,000 files) is nearly all of an instance's start-up time.
One spare copy per template is kept under the runtime directory; claiming it is an atomic ``rename``,
and a background thread then copies the next spare. A spare is only a copy: it gets its fresh
``system_identifier`` when claimed, like any copy. Copies in progress are named ``.partial-<pid>-…``;
``gc`` removes those whose process is gone.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from pathlib import Path

from pgwarden import proc
from pgwarden.errors import EnvironmentProblem
from pgwarden.instances.runtime import runtime_root

KEEP = 1
_lock = threading.Lock()
_refilling: set[str] = set()


def _dir(key: str) -> Path:
    d = runtime_root() / "spares" / key
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def claim(key: str, dest: Path) -> bool:
    """Move a ready spare to ``dest`` (which must not exist). False when there is none."""
    for spare in sorted(_dir(key).glob("spare-*")):
        try:
            os.rename(spare, dest)
            return True
        except OSError:
            continue  # another process took it first
    return False


def _copy_one(template: Path, key: str) -> None:
    d = _dir(key)
    partial = d / f".partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        proc.run(["cp", "-a", template, partial], timeout=600)
        os.rename(partial, d / f"spare-{secrets.token_hex(6)}")
    except (EnvironmentProblem, OSError):
        shutil.rmtree(partial, ignore_errors=True)
    finally:
        with _lock:
            _refilling.discard(key)


def refill(template: Path, key: str) -> None:
    """Start copying a spare in the background unless enough are ready or one is on its way.

    The thread is not a daemon: a finishing process waits the fraction of a second the copy takes
    rather than leave a partial directory behind.
    """
    with _lock:
        if key in _refilling or len(list(_dir(key).glob("spare-*"))) >= KEEP:
            return
        _refilling.add(key)
    threading.Thread(target=_copy_one, args=(template, key), name="pgwarden-spare", daemon=False).start()
