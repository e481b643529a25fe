"""Paths a user typed: the first look at one must turn an impossible name into bad input, not a traceback.

``Path.exists()`` answers False for a missing file or a symlink loop, but raises for a name that is too
long or a component that cannot be searched. :func:`exists` makes those :class:`BadInput` (exit 2) too;
once it has answered, later ``is_dir()``/``is_file()`` calls on the same path are safe.
"""

from __future__ import annotations

from pathlib import Path

from pgwarden.errors import BadInput


def exists(path: Path, what: str = "") -> bool:
    """``path.exists()``, with an unusable name as :class:`BadInput` naming ``what`` (e.g. "--out")."""
    try:
        return Path(path).exists()
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte
        why = getattr(exc, "strerror", None) or str(exc)
        raise BadInput(f"{what + ' ' if what else ''}{path}: unusable path: {why}") from None
