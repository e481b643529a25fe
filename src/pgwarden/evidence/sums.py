"""``SHA256SUMS``-style files: the only reader and writer of ``<sha256>  <path>`` lines.

``pgwarden.sum`` (a package's pins), a kit's ``SHA256SUMS`` and the pins of a backup kit all use the
format ``sha256sum`` writes and ``sha256sum -c`` reads: 64 hex digits, a space, a space (or ``*`` for
binary mode), the path, and a LF. A line ending in CR (a file converted to CRLF) is malformed: the
bytes a hash file vouches for must not depend on who last saved it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"(?P<hex>[0-9a-fA-F]{64}) [ *](?P<path>[^\r\n]+)")


@dataclass(frozen=True)
class SumEntry:
    path: str
    sha256: str


@dataclass(frozen=True)
class BadSumLine:
    line: int
    why: str


def sha256_file(path: Path, bufsize: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(bufsize):
            h.update(chunk)
    return h.hexdigest()


def parse_sums(data: bytes) -> tuple[tuple[SumEntry, ...], tuple[BadSumLine, ...]]:
    """Every well-formed line as an entry (hex lower-cased), and every malformed line with why."""
    entries: list[SumEntry] = []
    bad: list[BadSumLine] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (), (BadSumLine(data[: exc.start].count(b"\n") + 1, "not valid UTF-8"),)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if line.endswith("\r"):
            bad.append(BadSumLine(n, "ends with CR: the file has CRLF line endings; sha256sum writes LF"))
            continue
        m = _LINE.fullmatch(line)
        if m is None:
            if line.strip():
                bad.append(BadSumLine(n, "malformed line; expected '<64 hex digits>  <file>' as sha256sum writes"))
            elif line:
                bad.append(BadSumLine(n, "blank line with spaces"))
            continue
        entries.append(SumEntry(m["path"], m["hex"].lower()))
    return tuple(entries), tuple(bad)


def format_sums(entries: Iterable[SumEntry]) -> bytes:
    return "".join(f"{e.sha256}  {e.path}\n" for e in entries).encode("utf-8")


def write_sums(path: Path, entries: Iterable[SumEntry], *, mode: int = 0o600) -> None:
    """Write atomically: a temporary file beside ``path``, renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(format_sums(entries))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
