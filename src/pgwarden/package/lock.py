"""``pgwarden lock`` and the integrity check: ``pgwarden.sum`` pins the bytes of a package.

The file is ``sha256sum -c`` compatible (``<hex>  <path>``, paths relative to the package) and
lists the manifest and every file it names, in manifest order. Bytes are pinned as they are: a
CRLF-only change is drift too, but the report says so, so nobody hunts for an invisible edit.
A ``.sql`` file in the package that the manifest does not name is refused by both ``lock`` and
``check``: a reviewer may have read it believing it runs. ``lock --check`` (:func:`check_lock`)
says whether ``lock`` would change the pins, and which files it would change, without writing.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.errors import BadInput, EnvironmentProblem, Place
from pgwarden.evidence.gates import Verdict
from pgwarden.evidence.sums import SumEntry, parse_sums, write_sums
from pgwarden.package.manifest import MANIFEST, SUM, Package, load_package

_SKIP_DIRS = {"pgwarden-runs", "__pycache__", "node_modules"}


@dataclass(frozen=True)
class LockResult:
    package: str
    root: str
    sum_file: str
    entries: tuple[SumEntry, ...]
    replaced: bool  # a previous pgwarden.sum existed
    changed: tuple[str, ...]  # files whose pin differs from the previous pgwarden.sum


def read_sum(path: Path) -> tuple[SumEntry, ...]:
    """Parse a ``pgwarden.sum``; a malformed line is :class:`BadInput` naming its line number."""
    return _parse_sum(userfiles.read_bytes(path, f"{SUM} file that `pgwarden lock` writes"), path)


def _parse_sum(data: bytes, path: Path) -> tuple[SumEntry, ...]:
    entries, bad = parse_sums(data)
    if bad:
        places = [Place(str(path), b.line, 0, f"{path}:{b.line}: {b.why}") for b in bad]
        raise BadInput(places[0].text, details=[x.text for x in places[1:]], places=places)
    return entries


def unnamed_sql_files(pkg: Package) -> list[str]:
    """``.sql`` files under the package that the manifest does not name (kits and hidden dirs skipped)."""
    named = set(pkg.named_files())
    found = []
    for dirpath, dirs, files in os.walk(pkg.root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and not (Path(dirpath, d, "SHA256SUMS").is_file() and Path(dirpath, d, "run.json").is_file())
        )
        for f in sorted(files):
            if f.lower().endswith(".sql"):
                rel = Path(os.path.relpath(os.path.join(dirpath, f), pkg.root)).as_posix()
                if rel not in named:
                    found.append(rel)
    return found


def line_ending_note(data: bytes, pinned: str) -> str | None:
    """Say so when ``data`` differs from the pinned bytes only by CRLF versus LF line endings."""
    if hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest() == pinned:
        return "line endings only (CRLF vs LF): the file now has CRLF, the pinned bytes had LF"
    if hashlib.sha256(re.sub(rb"(?<!\r)\n", b"\r\n", data)).hexdigest() == pinned:
        return "line endings only (CRLF vs LF): the file now has LF, the pinned bytes had CRLF"
    return None


def _lockable(package_dir: Path) -> tuple[Package, Path]:
    """The package and its ``pgwarden.sum`` path, once nothing stands in the way of locking it."""
    pkg = load_package(package_dir)
    stray = unnamed_sql_files(pkg)
    if stray:
        raise BadInput(
            f"{pkg.root}: {len(stray)} .sql file(s) not named by {MANIFEST}: {', '.join(stray)}; "
            "name each in a bundle or move it out of the package before locking"
        )
    sum_path = pkg.root / SUM
    if sum_path.is_dir() or (sum_path.exists() and not sum_path.is_file()):
        raise BadInput(f"{sum_path}: exists and is not a regular file; remove it, then lock again")
    return pkg, sum_path


def lock(package_dir: Path) -> LockResult:
    """Validate the manifest, then write ``pgwarden.sum`` over the manifest and every named file."""
    pkg, sum_path = _lockable(package_dir)
    previous: dict[str, str] = {}
    replaced = pkg.sum_data is not None
    if pkg.sum_data is not None:
        try:
            previous = {e.path: e.sha256 for e in _parse_sum(pkg.sum_data, sum_path)}
        except BadInput:
            previous = {}
    entries = _entries(pkg)
    try:
        write_sums(sum_path, entries)
    except OSError as exc:
        raise EnvironmentProblem(f"{sum_path}: cannot write: {exc.strerror or exc}") from None
    changed = tuple(e.path for e in entries if replaced and previous.get(e.path) != e.sha256)
    return LockResult(pkg.name, str(pkg.root), str(sum_path), entries, replaced, changed)


@dataclass(frozen=True)
class LockDrift:
    path: str  # relative to the package root
    why: str


@dataclass(frozen=True)
class LockCheckResult:
    """``pgwarden lock --check``: would ``lock`` change the pins? Nothing is written."""

    package: str
    root: str
    sum_file: str
    verdict: Verdict  # PASS: pgwarden.sum is current; FAIL: stale (exit 1)
    entries: tuple[SumEntry, ...]  # what `pgwarden lock` would pin
    differ: tuple[LockDrift, ...]  # every file whose pin would change, and why

    @property
    def current(self) -> bool:
        return not self.differ


def check_lock(package_dir: Path) -> LockCheckResult:
    """Compare ``pgwarden.sum`` with what :func:`lock` would write, and name each file that differs.

    Stale (verdict FAIL): a file changed, named but not pinned, pinned but no longer named, or no
    ``pgwarden.sum`` at all, or one with malformed lines. What ``lock`` itself refuses (an invalid
    manifest, an unnamed ``.sql`` file) is :class:`BadInput`, as it is for ``lock``.
    """
    pkg, sum_path = _lockable(package_dir)
    named = pkg.named_files()
    entries = _entries(pkg)
    differ: list[LockDrift] = []
    if pkg.sum_data is None:
        differ = [
            LockDrift(e.path, f"not pinned: {SUM} does not exist (the package was never locked)") for e in entries
        ]
    else:
        pinned, bad = parse_sums(pkg.sum_data)
        differ += [LockDrift(SUM, f"line {b.line}: {b.why}") for b in bad]
        pins = {e.path: e.sha256 for e in pinned}
        for e in entries:
            if e.path not in pins:
                differ.append(LockDrift(e.path, f"named by {MANIFEST} but not pinned in {SUM}"))
            elif pins[e.path] != e.sha256:
                note = line_ending_note(pkg.data(e.path), pins[e.path])
                differ.append(
                    LockDrift(
                        e.path,
                        f"changed since lock: sha256 now {e.sha256}, {SUM} pins "
                        f"{pins[e.path]}" + (f" — {note}" if note else ""),
                    )
                )
        for e in pinned:
            if e.path not in named:
                where = "and is missing" if not (pkg.root / e.path).exists() else "but still exists"
                differ.append(LockDrift(e.path, f"pinned in {SUM} but no longer named by {MANIFEST} ({where})"))
    return LockCheckResult(
        pkg.name, str(pkg.root), str(sum_path), Verdict.FAIL if differ else Verdict.PASS, entries, tuple(differ)
    )


def _entries(pkg: Package) -> tuple[SumEntry, ...]:
    """The pins of the bytes the package was loaded with (each file read once)."""
    return tuple(SumEntry(rel, hashlib.sha256(pkg.data(rel)).hexdigest()) for rel in pkg.named_files())


def verify_integrity(pkg: Package) -> tuple[SumEntry, ...]:
    """Check every file's bytes, as the package was loaded with them, against ``pgwarden.sum`` (read with them);
    any drift, missing, unpinned or unnamed file is :class:`BadInput` (exit 2). Nothing is read again."""
    sum_path = pkg.root / SUM
    if pkg.sum_data is None and sum_path.is_dir():
        raise BadInput(f"{sum_path}: is a directory, expected the {SUM} file that `pgwarden lock` writes")
    if pkg.sum_data is None:
        raise BadInput(
            f"{sum_path}: not found: the package is not locked; review it, then run `pgwarden lock {pkg.root}`"
        )
    pinned = _parse_sum(pkg.sum_data, sum_path)
    pins = {e.path: e.sha256 for e in pinned}
    named = pkg.named_files()
    problems: list[tuple[str, str]] = []
    for rel in named:
        if rel not in pins:
            problems.append((rel, f"{rel}: named by {MANIFEST} but not pinned in {SUM}"))
            continue
        data = pkg.data(rel)
        actual = hashlib.sha256(data).hexdigest()
        if actual != pins[rel]:
            note = line_ending_note(data, pins[rel])
            problems.append(
                (
                    rel,
                    f"{rel}: changed since lock: sha256 now {actual}, {SUM} pins {pins[rel]}"
                    + (f" — {note}" if note else ""),
                )
            )
    for e in pinned:
        if e.path not in named:
            where = "and is missing" if not (pkg.root / e.path).exists() else "but still exists"
            problems.append((e.path, f"{e.path}: pinned in {SUM} but not named by {MANIFEST} ({where})"))
    for rel in unnamed_sql_files(pkg):
        if rel not in pins:
            problems.append(
                (rel, f"{rel}: a .sql file in the package that {MANIFEST} does not name (not pinned, would not run)")
            )
    if problems:
        files = ", ".join(dict.fromkeys(rel for rel, _ in problems))
        message = f"{sum_path}: integrity check failed for {files}"
        raise BadInput(
            message,
            details=[text for _, text in problems],
            places=[Place(str(sum_path), 0, 0, message), *(Place(rel, 0, 0, t) for rel, t in problems)],
        )
    return tuple(SumEntry(rel, pins[rel]) for rel in named)
