"""Each tool's migration file names, read as the tool reads them.

A name that does not look like a migration is ignored, as every tool ignores it (IMPORT.md lists it). A name
that looks like one (Flyway's ``V``/``U``/``R`` prefix with its ``__`` separator; golang-migrate's and popx's
``.up.sql``/``.down.sql``) but whose version the tool cannot read is bad input naming the file: the tools
either refuse it (Flyway with ``validateMigrationNaming``, and before version 7; popx since 2024) or silently
skip it (golang-migrate, Flyway's default today, popx before), and an import that guessed would leave a
migration out without anyone noticing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pgwarden.errors import BadInput

INT64_MAX = 2**63 - 1
_FLYWAY_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_GOLANG = re.compile(r"^V?(?P<version>[0-9]+)[._](?P<title>.*)\.(?P<dir>up|down)\.sql$")
# popx's MigrationFileRegexp: ^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.(sql)$
_POPX = re.compile(
    r"^(?P<version>[0-9]+)_(?P<name>[^.]+)(?:\.(?P<dialect>[a-z0-9]+))?(?P<auto>\.autocommit)?"
    r"\.(?P<dir>up|down)\.sql$"
)
POSTGRES = ("postgres", "postgresql", "pg")  # pop's CanonicalDialect synonyms of PostgreSQL


@dataclass(frozen=True)
class FlywayName:
    kind: str  # "V" versioned, "U" undo, "R" repeatable
    version: str  # dotted ("1.2"); "" for R
    key: tuple[int, ...]  # numeric parts, trailing zeros dropped: Flyway's 1.0 is its 1
    description: str  # underscores read as spaces, as Flyway shows it


def flyway(rel: str, name: str) -> FlywayName | None:
    """``<prefix><version>__<description>.sql`` split as Flyway splits it: at the first ``__``."""
    if not name.endswith(".sql") or name[:1] not in ("V", "U", "R") or "__" not in name[1:-4]:
        return None
    kind = name[0]
    version, _, description = name[1:-4].partition("__")
    skips = "Flyway refuses the name (or, with validateMigrationNaming off, silently skips the file)"
    if kind == "R":
        if version:
            raise BadInput(
                f"{rel}: a repeatable migration has no version (R__<description>.sql), this one has "
                f"{version!r}; {skips}: rename it or move it out of DIR"
            )
        return FlywayName("R", "", (), description.replace("_", " "))
    dotted = version.replace("_", ".")
    if not _FLYWAY_VERSION.fullmatch(dotted):
        got = f"version {version!r} is not a number" if version else "no version"
        raise BadInput(
            f"{rel}: {got}: a Flyway version is digits separated by '.' or '_' ({kind}1_2__"
            f"<description>.sql); {skips}: rename it or move it out of DIR"
        )
    parts = [int(p) for p in dotted.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return FlywayName(kind, dotted, tuple(parts), description.replace("_", " "))


def _migration(pattern: re.Pattern[str], name: str, refused: str) -> re.Match[str] | None:
    """``name`` as a tool's up or down migration (None: it is neither); bad input when it does not match."""
    if not name.endswith((".up.sql", ".down.sql")):
        return None
    m = pattern.match(name)
    if m is None:
        raise BadInput(f"{name}: {refused}")
    return m


@dataclass(frozen=True)
class GolangName:
    version: int
    title: str
    direction: str  # "up" or "down"


def golang_migrate(name: str) -> GolangName | None:
    """``<version>_<title>.up.sql`` (and ``V0001.title.up.sql``); the version a 64-bit integer, as
    ``schema_migrations.version`` (bigint) holds it."""
    m = _migration(
        _GOLANG,
        name,
        "not a golang-migrate migration name: the version before the first '_' must be a "
        "number (<version>_<title>.up.sql); golang-migrate silently skips such a file: rename it or "
        "move it out of DIR",
    )
    if m is None:
        return None
    version = int(m.group("version"))
    if version > INT64_MAX:
        raise BadInput(
            f"{name}: version {m.group('version')} does not fit golang-migrate's version, a 64-bit "
            f"integer (schema_migrations.version is a bigint, at most {INT64_MAX})"
        )
    return GolangName(version, m.group("title"), m.group("dir"))


@dataclass(frozen=True)
class PopxName:
    version: str  # popx keeps versions as text and orders them as text
    name: str
    dialect: str | None  # canonical: "postgres", another dialect, or None (every dialect)
    autocommit: bool
    direction: str


def popx(name: str) -> PopxName | None:
    """popx's ``parseMigrationFilename``: ``.autocommit`` right after the name is the flag, not a dialect."""
    m = _migration(
        _POPX,
        name,
        "not a popx migration name (<version>_<name>[.<dialect>][.autocommit].up.sql, the "
        "version digits): popx refuses it ('does not match the file pattern'): rename it or move it "
        "out of DIR",
    )
    if m is None:
        return None
    dialect, auto = m.group("dialect"), bool(m.group("auto"))
    if dialect == "autocommit":
        dialect, auto = None, True
    if dialect in POSTGRES:
        dialect = "postgres"
    return PopxName(m.group("version"), m.group("name"), dialect, auto, m.group("dir"))
