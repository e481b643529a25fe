"""Everything pgwarden writes is private: directories 0700 and files 0600, whatever the umask.

A kit holds a production dump and its schema; a package's pins and a fingerprint say what production
looks like. None of it is for other local users.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


def make_private_dirs(path: Path) -> None:
    """``mkdir -p`` where every directory created is mode 0700, whatever the umask."""
    missing = []
    p = Path(path)
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)
        os.chmod(d, 0o700)


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` as a mode-0600 file, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(data)


def make_private(root: Path) -> None:
    """Every directory under ``root`` 0700 and every file 0600 (symlinks are left alone)."""
    os.chmod(root, 0o700)
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            if not os.path.islink(os.path.join(dirpath, d)):
                os.chmod(os.path.join(dirpath, d), 0o700)
        for f in files:
            if not os.path.islink(os.path.join(dirpath, f)):
                os.chmod(os.path.join(dirpath, f), 0o600)


def open_private(path: Path) -> BinaryIO:
    """A new (or truncated) mode-0600 file, open for binary writing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")
