"""Giving a copied cluster a fresh ``system_identifier``.

Throwaway instances are copies of a cached template, so they would all share the template's
identifier. We write a new identifier into ``global/pg_control`` and recompute its CRC-32C; the
caller then runs ``pg_resetwal -f`` so the WAL carries the new identifier too. The CRC field's offset
differs between versions, so it is found by checking which offset holds the CRC of the bytes before it.
"""

from __future__ import annotations

import secrets
import struct
import time
from pathlib import Path

from pgwarden.errors import EnvironmentProblem


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _crc_offset(buf: bytes) -> int:
    for off in range(16, 1024, 4):
        if struct.unpack_from("<I", buf, off)[0] == crc32c(buf[:off]):
            return off
    raise EnvironmentProblem("pg_control: cannot locate its CRC; unknown layout")


def read_system_identifier(datadir: Path) -> int:
    return int(struct.unpack_from("<Q", (datadir / "global" / "pg_control").read_bytes(), 0)[0])


def new_system_identifier() -> int:
    """Like PostgreSQL's: seconds in the high 32 bits, then random bits instead of usec and pid."""
    return (int(time.time()) << 32) | secrets.randbits(32)


def set_system_identifier(datadir: Path, sysid: int) -> None:
    path = datadir / "global" / "pg_control"
    buf = bytearray(path.read_bytes())
    off = _crc_offset(bytes(buf))
    struct.pack_into("<Q", buf, 0, sysid)
    struct.pack_into("<I", buf, off, crc32c(bytes(buf[:off])))
    path.write_bytes(bytes(buf))
