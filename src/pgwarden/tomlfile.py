"""Reading a TOML input file (a manifest, an expectations file): every failure is one clear line.

One reader for every TOML file pgwarden takes, so that a missing file, a directory, unreadable or
non-UTF-8 bytes, a syntax error (named ``file:line:col``) and pathological nesting all become
:class:`BadInput` (exit 2) the same way, never a traceback.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pgwarden.errors import BadInput

_TOML_POS = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)\s*$")


def read_toml(path: Path, what: str = "TOML file", *, missing_hint: str = "") -> dict[str, Any]:
    """Parse the TOML file at ``path``; ``what`` names it in messages ("expectations file", …)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: {what} not found{missing_hint}") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, expected the {what}") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); the {what} must be "
                       "UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS.match(str(exc))
        if m:
            raise BadInput(f"{path}:{m['line']}:{m['col']}: invalid TOML: {m['msg']}") from None
        raise BadInput(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise BadInput(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
