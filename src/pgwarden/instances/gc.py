"""``pgwarden gc``: remove the throwaway instances (and partial spare copies) that a killed run left behind."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass

from pgwarden.instances.runtime import OWNER_FILE, kill_postmaster, owner_pid, pid_alive, runtime_root
from pgwarden.instances.spares import gc_partials


@dataclass(frozen=True)
class GcResult:
    removed: tuple[str, ...]
    kept: tuple[str, ...]


def gc(*, include_live: bool = False) -> GcResult:
    """Remove instance directories whose owning pgwarden process is gone (or all, with ``include_live``)."""
    removed: list[str] = []
    kept: list[str] = []
    root = runtime_root()
    for d in sorted(root.glob("inst-*")):
        owner = None
        with contextlib.suppress(OSError, ValueError, KeyError):
            owner = int(json.loads((d / OWNER_FILE).read_text())["pid"])
        if owner is not None and owner != os.getpid() and pid_alive(owner) and not include_live:
            kept.append(str(d))
            continue
        kill_postmaster(d / "data")  # signals only a verified postgres serving exactly that directory
        shutil.rmtree(d, ignore_errors=True)
        removed.append(str(d))
    for d in sorted([*root.glob("dump-*"), *root.glob("tpl-*")]):  # dump FIFOs, template builds
        pid = owner_pid(d.name)
        if pid is None or (pid != os.getpid() and not pid_alive(pid)) or include_live:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(str(d))
    removed += gc_partials()
    return GcResult(tuple(removed), tuple(kept))
