"""``pgwarden gc``: remove the throwaway instances (and partial spare copies) that a killed run left behind."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass

from pgwarden.instances.runtime import OWNER_FILE, kill_postmaster, pid_alive, runtime_root
from pgwarden.instances.spares import gc_partials


@dataclass(frozen=True)
class GcResult:
    removed: tuple[str, ...]
    kept: tuple[str, ...]


def gc(*, include_live: bool = False) -> GcResult:
    """Remove instance directories whose owning pgwarden process is gone (or all, with ``include_live``)."""
    removed: list[str] = []
    kept: list[str] = []
    for d in sorted(runtime_root().glob("inst-*")):
        owner_pid = None
        with contextlib.suppress(OSError, ValueError, KeyError):
            owner_pid = int(json.loads((d / OWNER_FILE).read_text())["pid"])
        if owner_pid is not None and owner_pid != os.getpid() and pid_alive(owner_pid) and not include_live:
            kept.append(str(d))
            continue
        kill_postmaster(d / "data")
        shutil.rmtree(d, ignore_errors=True)
        removed.append(str(d))

    removed += gc_partials()
    return GcResult(tuple(removed), tuple(kept))
