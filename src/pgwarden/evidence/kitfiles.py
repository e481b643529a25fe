"""Reading a kit someone hands you: regular files only, never through a symlink, never blocking, bounded.

A kit is untrusted input (``pgwarden evidence verify``, ``pgwarden report``). A FIFO named like one of its
files would block ``open()`` forever; a symlink could point at ``/dev/zero`` or at a file outside the kit
(``/etc/shadow``) whose bytes would be hashed or shown; a 2 GB ``run.json`` or one nested a million deep would
exhaust memory or the stack. So, here:

- the kit root must be a directory, not a symlink to one (:func:`refuse_symlinked_root`);
- the kit is walked without following a symlink (:func:`walk`): a symlink, FIFO, socket or device file is
  refused, by name, and never opened;
- a file is opened component by component from the kit root with ``O_NOFOLLOW``, after ``lstat`` said it is a
  regular file and with ``O_NONBLOCK``, and ``fstat`` must then name the same regular file (``st_dev``,
  ``st_ino``): one swapped in between is refused too (:func:`open_file`);
- what is parsed is bounded: :data:`MAX_SUMS`, :data:`MAX_RUN_JSON`, :data:`MAX_FINDINGS`, :data:`MAX_EVENTS`
  and :data:`MAX_EVENT_LINE` bytes, JSON nested at most :data:`MAX_DEPTH` deep (:func:`loads`).

Every refusal is a :class:`Refused` with one sentence saying why; the verifier turns it into a named problem
(the kit check FAILs), the report into a note on the page. This module imports nothing of pgwarden but its
errors and the text escaping, so both the verifier and the report renderer use it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pgwarden.errors import BadInput
from pgwarden.textsafe import one_line

GENESIS = "0" * 64  # what the first event of the chain names as the hash before it
SUMS = "SHA256SUMS"
EVENTS = "events.jsonl"

MiB = 1 << 20
MAX_SUMS = 64 * MiB  # SHA256SUMS: about 800,000 files
MAX_RUN_JSON = 64 * MiB  # run.json
MAX_FINDINGS = 64 * MiB  # findings.json
MAX_EVENTS = 256 * MiB  # events.jsonl, all of it
MAX_EVENT_LINE = 16 * MiB  # one event: the seal of a directory-format dump of 100,000 tables is ~10 MiB
MAX_DEPTH = 100  # JSON nesting: pgwarden writes about 10 levels
MAX_DIR_DEPTH = 32  # directories inside a kit: pgwarden makes 3

_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class Refused(Exception):
    """A kit entry that is not read: ``why`` is one sentence ("a FIFO, not a regular file: refused")."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Missing(Refused):
    """The entry does not exist."""

    def __init__(self) -> None:
        super().__init__("missing")


@dataclass(frozen=True, order=True)
class KitProblem:
    file: str  # kit-relative
    problem: str


@dataclass(frozen=True)
class KitWalk:
    """What a kit holds: its regular files, and every other entry with why it is refused (kit-relative paths)."""

    files: tuple[str, ...]
    refused: tuple[KitProblem, ...]


def size_text(n: int) -> str:
    return f"{n // MiB} MiB" if n % MiB == 0 else f"{n:,} bytes"


_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def _link_target(name: str, dir_fd: int) -> str:
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return "?"
    return target if len(target) <= 200 else target[:200] + "…"


def _refusal(name: str, mode: int, dir_fd: int, expected: str = "a regular file") -> str:
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {_link_target(name, dir_fd)}), not {expected}: refused"
    kind = _kind(mode)
    return f"{kind}, not {expected}: refused" if kind != "not a regular file" else f"not {expected}: refused"


def refuse_symlinked_root(root: Path) -> None:
    """:class:`BadInput` when the kit directory given is a symbolic link: the kit checked and the kit read
    must be the same directory, and a link can be pointed elsewhere in between. Anything else is the caller's
    to judge (missing, not a directory)."""
    try:
        st = os.lstat(root)
    except (OSError, ValueError):
        return
    if stat.S_ISLNK(st.st_mode):
        raise BadInput(
            f"{one_line(root)}: a symbolic link (to {one_line(os.path.realpath(root))}), not a kit "
            "directory: refused; give the kit directory itself"
        )


def _open_root(root: Path) -> int:
    try:
        return os.open(root, _O_DIR)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused("the kit directory is a symbolic link: refused") from None
        raise Refused(f"the kit directory cannot be opened: {exc.strerror or exc}") from None


def walk(root: Path) -> KitWalk:
    """Every regular file of the kit, and every entry that is not one (with why), never following a symlink."""
    files: list[str] = []
    refused: list[KitProblem] = []
    fd = _open_root(root)
    try:
        _walk(fd, "", 0, files, refused)
    finally:
        os.close(fd)
    return KitWalk(tuple(sorted(files)), tuple(sorted(refused)))


def _walk(dir_fd: int, prefix: str, depth: int, files: list[str], refused: list[KitProblem]) -> None:
    try:
        with os.scandir(dir_fd) as it:
            names = sorted(e.name for e in it)
    except OSError as exc:
        refused.append(KitProblem(prefix.rstrip("/") or ".", f"cannot be listed: {exc.strerror or exc}"))
        return
    for name in names:
        rel = prefix + name
        try:
            mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
        except OSError as exc:
            refused.append(KitProblem(rel, f"cannot be examined: {exc.strerror or exc}"))
            continue
        if stat.S_ISREG(mode):
            files.append(rel)
        elif stat.S_ISDIR(mode):
            if depth + 1 > MAX_DIR_DEPTH:
                refused.append(KitProblem(rel, f"a directory nested more than {MAX_DIR_DEPTH} deep: not walked"))
                continue
            try:
                sub = os.open(name, _O_DIR, dir_fd=dir_fd)
            except OSError as exc:
                refused.append(KitProblem(rel, f"a directory that cannot be opened: {exc.strerror or exc}"))
                continue
            try:
                _walk(sub, rel + "/", depth + 1, files, refused)
            finally:
                os.close(sub)
        else:
            refused.append(KitProblem(rel, _refusal(name, mode, dir_fd)))


def _parts(rel: str) -> list[str]:
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\0" in rel:
        raise Refused("not a path inside the kit: refused")
    return parts


@contextmanager
def open_file(root: Path, rel: str, limit: int | None = None) -> Iterator[BinaryIO]:
    """The regular file ``rel`` of the kit at ``root``, opened for reading without following a symlink in any
    component and without blocking. :class:`Missing` when it does not exist; :class:`Refused` when it is not a
    regular file, is swapped while opened, or (with ``limit``) is larger than ``limit`` bytes."""
    parts = _parts(rel)
    fd = _open_root(root)
    try:
        for i, part in enumerate(parts[:-1]):
            try:
                mode = os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
            except FileNotFoundError:
                raise Missing() from None
            if not stat.S_ISDIR(mode):
                where = "/".join(parts[: i + 1])
                raise Refused(f"its directory {where} is {_refusal(part, mode, fd, 'a directory')}")
            sub = os.open(part, _O_DIR, dir_fd=fd)
            os.close(fd)
            fd = sub
        name = parts[-1]
        try:
            before = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            raise Missing() from None
        if not stat.S_ISREG(before.st_mode):
            raise Refused(_refusal(name, before.st_mode, fd))
        try:
            file_fd = os.open(name, _O_FILE, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Refused("a symbolic link, not a regular file: refused") from None
            raise Refused(f"cannot be read: {exc.strerror or exc}") from None
    except OSError as exc:
        raise Refused(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        after = os.fstat(file_fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise Refused(f"replaced while it was opened ({_kind(after.st_mode)}): refused")
        if limit is not None and after.st_size > limit:
            raise Refused(f"{after.st_size:,} bytes, more than the {size_text(limit)} pgwarden reads of it: not read")
        f = os.fdopen(file_fd, "rb")
    except BaseException:
        os.close(file_fd)
        raise
    with f:
        yield f


def read_bytes(root: Path, rel: str, limit: int) -> bytes:
    """The whole file ``rel``, at most ``limit`` bytes (a file that grows while read is refused too)."""
    with open_file(root, rel, limit) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"more than the {size_text(limit)} pgwarden reads of it: not read")
    return data


def sha256(root: Path, rel: str, bufsize: int = MiB) -> str:
    """The SHA-256 of the regular file ``rel`` (any size: a dump is hashed whole)."""
    h = hashlib.sha256()
    with open_file(root, rel) as f:
        while chunk := f.read(bufsize):
            h.update(chunk)
    return h.hexdigest()


def is_regular(root: Path, rel: str) -> bool:
    """True when ``rel`` is a regular file of the kit (no symlink on the way); never opens it."""
    try:
        parts = _parts(rel)
        fd = _open_root(root)
    except Refused:
        return False
    try:
        for part in parts[:-1]:
            sub = os.open(part, _O_DIR, dir_fd=fd)
            os.close(fd)
            fd = sub
        return stat.S_ISREG(os.stat(parts[-1], dir_fd=fd, follow_symlinks=False).st_mode)
    except OSError:
        return False
    finally:
        os.close(fd)


def lines(f: BinaryIO, limit: int = MAX_EVENT_LINE) -> Iterator[bytes]:
    """The lines of ``f`` without their LF, each at most ``limit`` bytes: a longer one is :class:`Refused`
    after reading ``limit`` bytes of it, never all of it."""
    n = 0
    while True:
        line = f.readline(limit + 2)
        if not line:
            return
        n += 1
        body = line[:-1] if line.endswith(b"\n") else line
        if len(body) > limit:
            raise Refused(f"line {n} is longer than {size_text(limit)}: not read")
        yield body


def loads(data: bytes | str) -> Any:
    """JSON, nested at most :data:`MAX_DEPTH` deep; anything else is :class:`Refused` ("not valid JSON")."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise Refused(f"nested more than {MAX_DEPTH} levels deep: not read") from None
    except ValueError:  # UnicodeDecodeError included
        raise Refused("not valid JSON") from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise Refused(f"nested more than {MAX_DEPTH} levels deep: not read")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if d > limit:
            return True
        stack.extend((c, d + 1) for c in children if isinstance(c, dict | list))
    return False


def read_json(root: Path, rel: str, limit: int) -> Any:
    """The JSON file ``rel``: at most ``limit`` bytes and :data:`MAX_DEPTH` deep, else :class:`Refused`."""
    return loads(read_bytes(root, rel, limit))
