"""Files and paths a user gives pgwarden: the first look at one turns every problem into one clear line.

:func:`exists` answers like ``Path.exists()``, but a name that is too long or a component that cannot
be searched becomes :class:`BadInput` (exit 2) naming the option, not a traceback; once it has
answered, later ``is_dir()``/``is_file()`` calls on the same path are safe. :func:`read_toml` is the one
reader of every TOML file pgwarden takes (a manifest, an expectations file): a missing file, a directory,
unreadable or non-UTF-8 bytes, a syntax error (named ``file:line:col``) and pathological nesting all
become :class:`BadInput` the same way.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pgwarden.errors import BadInput


def exists(path: Path, what: str = "") -> bool:
    """``path.exists()``, with an unusable name as :class:`BadInput` naming ``what`` (e.g. "--out")."""
    try:
        return Path(path).exists()
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte
        why = getattr(exc, "strerror", None) or str(exc)
        raise BadInput(f"{what + ' ' if what else ''}{path}: unusable path: {why}") from None


_TOML_POS = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)\s*$")


def read_bytes(path: Path, what: str, *, missing_hint: str = "") -> bytes:
    """The bytes of a file the user named; missing, a directory or unreadable is :class:`BadInput`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: {what} not found{missing_hint}") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, expected the {what}") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None


def read_toml(path: Path, what: str = "TOML file", *, missing_hint: str = "") -> dict[str, Any]:
    """Parse the TOML file at ``path``; ``what`` names it in messages ("expectations file", …)."""
    path = Path(path)
    return parse_toml(read_bytes(path, what, missing_hint=missing_hint), path, what)


def parse_toml(raw: bytes, path: Path, what: str = "TOML file") -> dict[str, Any]:
    """Parse TOML bytes already read from ``path`` (named in messages, with ``what``)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); the {what} must be UTF-8 text"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS.match(str(exc))
        if m:
            raise BadInput(f"{path}:{m['line']}:{m['col']}: invalid TOML: {m['msg']}") from None
        raise BadInput(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise BadInput(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
