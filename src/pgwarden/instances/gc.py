"""``pgwarden gc``: remove what a killed run left behind in the runtime directory.

A run keeps its work there: throwaway instances (``inst-*``, the owner's pid in ``owner.json``), private
directories named ``<kind>-<owner pid>-<random>`` (:class:`~pgwarden.instances.runtime.PrivateKind`: dump
FIFOs, template builds, and the rehearsal clone's dump, which holds production data with ``--data``),
partial spare copies (``spares/<key>/.partial-<pid>-…``) and partial binary copies (``pgcopy-….tmp<pid>``).
Each is removed once its owning pgwarden process is gone (with ``--all``, also while it runs); a server
still running in an instance is stopped first, and only once it is proven to serve that very directory.

gc looks only inside the runtime directory, which is checked first (owned by us, not a symlink, not
writable by others), and never follows a symlink: an entry with one of these names that is not a real
directory is reported as skipped and left alone, so nothing outside the runtime directory is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pgwarden.instances.runtime import (
    INSTANCE_PREFIX,
    OWNER_FILE,
    kill_postmaster,
    owner_pid,
    pid_alive,
    private_kind,
    runtime_root,
)


@dataclass(frozen=True)
class GcResult:
    removed: tuple[str, ...]
    kept: tuple[str, ...]  # their owning pgwarden process is running
    skipped: tuple[str, ...] = ()  # "<path>: why": not a real directory (never followed), or not removable


@dataclass(frozen=True)
class _Leftover:
    path: Path
    owner: int | None  # the owning process, None when it cannot be told
    instance: bool  # a throwaway instance: its server is stopped first


def gc(*, include_live: bool = False) -> GcResult:
    """Remove what pgwarden processes that are gone left in the runtime directory (everything, with
    ``include_live``)."""
    removed: list[str] = []
    kept: list[str] = []
    skipped: list[str] = []
    for left in _leftovers(runtime_root(), skipped):
        if not include_live and _running(left.owner):
            kept.append(str(left.path))
            continue
        if left.instance:
            kill_postmaster(left.path / "data")  # signals only a verified postgres serving exactly that directory
        shutil.rmtree(left.path, ignore_errors=True)  # never follows a symlink, at any depth
        if os.path.lexists(left.path):
            skipped.append(f"{left.path}: could not be removed entirely")
        else:
            removed.append(str(left.path))
    return GcResult(tuple(removed), tuple(kept), tuple(skipped))


def _running(owner: int | None) -> bool:
    """Is the owner a live process? gc itself owns nothing, so its own pid means the owner's was reused."""
    return owner is not None and owner > 0 and owner != os.getpid() and pid_alive(owner)


def _leftovers(root: Path, skipped: list[str]) -> Iterator[_Leftover]:
    for path in _real_dirs(root, _ours, skipped):
        if path.name.startswith(f"{INSTANCE_PREFIX}-"):
            yield _Leftover(path, _instance_owner(path), True)
        elif path.name.startswith("pgcopy-"):
            yield _Leftover(path, _int(path.name.rsplit(".tmp", 1)[1]), False)
        else:
            yield _Leftover(path, owner_pid(path.name), False)
    for spares in _real_dirs(root, lambda n: n == "spares", skipped):
        for key in _real_dirs(spares, lambda n: not n.startswith("."), skipped):
            for partial in _real_dirs(key, lambda n: n.startswith(".partial-"), skipped):
                yield _Leftover(partial, owner_pid(partial.name), False)


def _ours(name: str) -> bool:
    """A name gc removes: an instance, a private directory, a partial binary copy (``pgcopy-….tmp<pid>``)."""
    if name.startswith(f"{INSTANCE_PREFIX}-") or private_kind(name) is not None:
        return True
    return name.startswith("pgcopy-") and ".tmp" in name and name.rsplit(".tmp", 1)[1].isdigit()


def _real_dirs(parent: Path, match: Callable[[str], bool], skipped: list[str]) -> list[Path]:
    """The entries of ``parent`` whose name matches and that are real directories (a symlink is never
    followed: it is reported and left alone)."""
    out: list[Path] = []
    try:
        entries = sorted(os.scandir(parent), key=lambda e: e.name)
    except OSError:
        return out
    for entry in entries:
        if not match(entry.name):
            continue
        try:
            real = entry.is_dir(follow_symlinks=False)
        except OSError:
            real = False
        if real:
            out.append(Path(entry.path))
        else:
            why = "a symlink, not followed" if entry.is_symlink() else "not a directory"
            skipped.append(f"{entry.path}: {why}")
    return out


def _instance_owner(path: Path) -> int | None:
    """The pid in an instance's ``owner.json`` (read without following a symlink), or None."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        fd = os.open(path / OWNER_FILE, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            return int(json.loads(f.read(4096))["pid"])
    return None


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None
