"""Reading a pg_dump archive's header and table of contents.

Two readers, on purpose. :func:`read_header` decodes the binary header itself (custom format, or the
``toc.dat`` of a directory dump), so pgwarden knows which PostgreSQL wrote an archive even when no
available ``pg_restore`` can read it. :func:`list_archive` runs ``pg_restore -l`` and keeps every header
field exactly as that tool prints it (``Compression`` is an integer on 15 and older tools and an
algorithm name on 16 and newer) plus the TOC entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pgwarden import proc
from pgwarden.errors import BadInput, EnvironmentProblem, GateFailed
from pgwarden.pg.binaries import PgBinaries

MAGIC = b"PGDMP"
_FORMATS = {0: "unknown", 1: "custom", 2: "files", 3: "tar", 4: "null", 5: "directory"}
_ALGORITHMS = {0: "none", 1: "gzip", 2: "lz4", 3: "zstd"}


@dataclass(frozen=True)
class ArchiveHeader:
    """What the archive's own header says, decoded without pg_restore."""

    path: str
    format: str
    archive_version: str  # e.g. "1.16"
    compression: str  # "gzip"/"none"/... (>= 1.15) or the zlib level as text (older)
    created: str
    dbname: str
    server_version: str  # "Dumped from database version"
    pg_dump_version: str  # "Dumped by pg_dump version"

    @property
    def server_major(self) -> int:
        return major_of(self.server_version)

    @property
    def pg_dump_major(self) -> int:
        return major_of(self.pg_dump_version)


def major_of(version: str) -> int:
    """``"15.18 (Debian …)"`` -> 15; ``"9.6.24"`` -> 9; 0 when unknown."""
    m = re.match(r"\s*(\d+)", version or "")
    return int(m.group(1)) if m else 0


class _Reader:
    def __init__(self, data: bytes, where: str) -> None:
        self.data, self.pos, self.where = data, 0, where
        self.int_size = 4

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise GateFailed(f"{self.where}: the archive header is truncated")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def int(self) -> int:
        sign = self.byte()
        raw = bytes(self.byte() for _ in range(self.int_size))
        value = int.from_bytes(raw, "little")
        return -value if sign else value

    def str(self) -> str:
        n = self.int()
        if n < 0:
            return ""
        if self.pos + n > len(self.data):
            raise GateFailed(f"{self.where}: the archive header is truncated")
        s = self.data[self.pos : self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return s


def archive_header_file(path: Path) -> Path:
    """The file holding the header: the archive itself, or ``toc.dat`` of a directory dump."""
    return path / "toc.dat" if path.is_dir() else path


def read_header(path: Path) -> ArchiveHeader:
    """Decode the header of a custom or directory archive; :class:`BadInput` if it is not one."""
    hfile = archive_header_file(path)
    try:
        with open(hfile, "rb") as f:
            data = f.read(4096)
    except FileNotFoundError:
        if path.is_dir():
            hint = "; for a backup kit, give the dump inside its dump/ directory" if (path / "dump").is_dir() else ""
            raise BadInput(f"{path}: a directory without toc.dat, so not a directory-format dump{hint}") from None
        raise BadInput(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror}") from None
    if not data.startswith(MAGIC):
        kind = "a plain SQL script" if data.lstrip().startswith(b"--") else "not a pg_dump archive"
        raise BadInput(f"{path}: {kind}; expected a custom (-Fc) or directory (-Fd) pg_dump archive")
    r = _Reader(data, str(path))
    r.pos = len(MAGIC)
    vmaj, vmin, vrev = r.byte(), r.byte(), r.byte()
    version = (vmaj, vmin, vrev)
    r.int_size = r.byte()
    r.byte()  # offset size
    if r.int_size not in (4, 8):
        raise GateFailed(f"{path}: the archive header is corrupt (integer size {r.int_size})")
    fmt = _FORMATS.get(r.byte(), "unknown")
    if version >= (1, 15, 0):
        algo = r.byte()
        compression = _ALGORITHMS.get(algo, f"unknown({algo})")
    else:
        compression = str(r.int())
    created = ""
    if version >= (1, 4, 0):
        sec, mnt, hour, mday, mon, year, _isdst = (r.int() for _ in range(7))
        created = f"{year + 1900:04d}-{mon + 1:02d}-{mday:02d} {hour:02d}:{mnt:02d}:{sec:02d}"
    dbname = r.str() if version >= (1, 10, 0) else ""
    server_version = pg_dump_version = ""
    if version >= (1, 10, 0):
        server_version, pg_dump_version = r.str(), r.str()
    return ArchiveHeader(
        str(path),
        fmt,
        f"{vmaj}.{vmin}" + (f".{vrev}" if vrev else ""),
        compression,
        created,
        dbname,
        server_version,
        pg_dump_version,
    )


# -- pg_restore -l ------------------------------------------------------------------------------------

# Entry descriptions that contain a space; the rest are one word. Longest first.
_MULTIWORD_DESCS = tuple(
    sorted(
        (
            "TABLE DATA",
            "SEQUENCE SET",
            "SEQUENCE OWNED BY",
            "FK CONSTRAINT",
            "CHECK CONSTRAINT",
            "DEFAULT ACL",
            "MATERIALIZED VIEW",
            "MATERIALIZED VIEW DATA",
            "EVENT TRIGGER",
            "FOREIGN TABLE",
            "FOREIGN DATA WRAPPER",
            "USER MAPPING",
            "TEXT SEARCH CONFIGURATION",
            "TEXT SEARCH DICTIONARY",
            "TEXT SEARCH PARSER",
            "TEXT SEARCH TEMPLATE",
            "LARGE OBJECT",
            "BLOB METADATA",
            "BLOBS",
            "OPERATOR CLASS",
            "OPERATOR FAMILY",
            "ACCESS METHOD",
            "SHELL TYPE",
            "PUBLICATION TABLE",
            "PUBLICATION TABLES IN SCHEMA",
            "ROW SECURITY",
            "INDEX ATTACH",
            "TABLE ATTACH",
            "STATISTICS DATA",
            "PROCEDURAL LANGUAGE",
            "DEFAULT",
            "SERVER",
        ),
        key=len,
        reverse=True,
    )
)

_ENTRY_RE = re.compile(r"^(\d+);\s+(\d+)\s+(\d+)\s+(.*)$")


@dataclass(frozen=True)
class TocEntry:
    dump_id: int
    catalog_oid: int
    oid: int
    desc: str  # e.g. "TABLE", "TABLE DATA", "ACL"
    schema: str  # "-" for none
    rest: str  # tag and owner, as printed ("t directus"); an owner-less entry ends in a space

    @property
    def owner(self) -> str:
        """The owner: the last word of the line. pg_restore prints an empty owner for the entries that have
        none (``COMMENT - EXTENSION btree_gin ``, ``CAST - CAST (public.color AS json) ``), so the line
        then ends with a space and the tag's last word is not an owner."""
        if self.rest.endswith(" ") or " " not in self.rest:
            return ""
        return self.rest.rsplit(" ", 1)[1]


@dataclass(frozen=True)
class TocListing:
    header: dict[str, str]  # every field of the ``pg_restore -l`` header, as printed
    entries: tuple[TocEntry, ...]

    @property
    def toc_entries(self) -> int:
        """The header's ``TOC Entries`` count (every entry, including ones -l does not list)."""
        try:
            return int(self.header.get("TOC Entries", ""))
        except ValueError:
            return len(self.entries)


def parse_listing(text: str) -> TocListing:
    header: dict[str, str] = {}
    entries: list[TocEntry] = []
    for line in text.splitlines():
        if line.startswith(";"):
            body = line[1:].strip()
            if body.startswith("Archive created at "):
                header["Archive created at"] = body[len("Archive created at ") :]
            elif ":" in body and not body.startswith("Selected TOC"):
                key, _, value = body.partition(":")
                header[key.strip()] = value.strip()
            continue
        m = _ENTRY_RE.match(line)
        if not m:
            continue
        rest = m.group(4)
        desc = next((d for d in _MULTIWORD_DESCS if rest.startswith(d + " ")), rest.split(" ", 1)[0])
        after = rest[len(desc) :].lstrip(" ")  # keep the trailing space of an owner-less entry
        schema, _, tail = after.partition(" ")
        entries.append(TocEntry(int(m.group(1)), int(m.group(2)), int(m.group(3)), desc, schema, tail))
    return TocListing(header, tuple(entries))


UNSUPPORTED_VERSION = "unsupported version"


def list_archive(bins: PgBinaries, path: Path, *, log_path: Path | None = None) -> tuple[TocListing, str]:
    """Run ``pg_restore -l``; return the parsed listing and its raw text."""
    r = proc.run([bins.path("pg_restore"), "-l", path], check=False, log_path=log_path, timeout=600)
    if r.returncode != 0:
        err = " ".join(r.stderr.split()) or f"exit code {r.returncode}"
        if UNSUPPORTED_VERSION in err:
            raise EnvironmentProblem(
                f"{path}: pg_restore {bins.version} cannot read this archive: {err}",
                details=["a newer pg_restore is needed; set PGWARDEN_PG_BIN to its directory"],
            )
        raise GateFailed(f"{path}: pg_restore -l cannot read the archive's table of contents: {err}")
    return parse_listing(r.stdout), r.stdout


def format_line(header: ArchiveHeader, listing: TocListing) -> str:
    """``PostgreSQL custom (pg_dump -Fc, Compression: gzip)``, the way seed 001 writes Format."""
    fmt = listing.header.get("Format", header.format).lower()
    flag = {"custom": "-Fc", "directory": "-Fd", "tar": "-Ft"}.get(fmt, "")
    return f"PostgreSQL {fmt} (pg_dump {flag}, Compression: {listing.header.get('Compression', '?')})"


def compression_meaning(value: str) -> str:
    """What the ``Compression`` header field means: an integer on pg_dump 15 and older (``-1`` is zlib's
    default level, 6; ``0`` is none; 1 to 9 a gzip level), an algorithm name (with level) on 16 and newer."""
    v = value.strip()
    if v in ("-1", "gzip"):
        return "gzip at its default level (6)" + (": pg_dump 15 and older print -1 for it" if v == "-1" else "")
    if v in ("0", "none"):
        return "none: the table data is stored uncompressed, so only a pin can catch a flipped byte in it"
    if v.isdigit():
        return f"gzip at level {v}"
    return f"{v} (pg_dump 16 and newer name the algorithm)"
