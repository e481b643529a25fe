"""The schema-only dump's text: taken from the archive, stripped of ``\\restrict`` lines.

The schema SQL comes from the archive itself (``pg_restore --schema-only``), so it describes exactly
the snapshot that was dumped and costs production nothing. The random ``\\restrict``/``\\unrestrict``
lines that recent pg_dump/pg_restore print (psql meta-commands) are removed so that two dumps of the
same schema compare equal. (No parser here: ``backup`` needs the text only, and pglast loads slowly.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pgwarden import proc
from pgwarden.errors import GateFailed
from pgwarden.pg.binaries import PgBinaries

_META = ("\\restrict", "\\unrestrict")


def strip_restrict(text: str) -> tuple[str, int]:
    """Drop the ``\\restrict KEY`` / ``\\unrestrict KEY`` lines; return the text and how many went."""
    kept, dropped = [], 0
    for line in text.splitlines(keepends=True):
        if line.split(" ", 1)[0].rstrip() in _META:
            dropped += 1
        else:
            kept.append(line)
    return "".join(kept), dropped


def extract_schema(bins: PgBinaries, archive: Path, *, log_path: Path | None = None) -> tuple[str, int]:
    """``pg_restore --schema-only`` of ``archive`` as SQL text, with ``\\restrict`` lines stripped."""
    with tempfile.TemporaryDirectory(prefix="pgwarden-schema-") as tmp:
        out = Path(tmp) / "schema.sql"
        r = proc.run(
            [bins.path("pg_restore"), "--schema-only", "-f", out, archive], check=False, log_path=log_path, timeout=1800
        )
        if r.returncode != 0:
            raise GateFailed(
                f"pg_restore --schema-only of {archive} failed (exit {r.returncode})",
                details=r.stderr.strip().splitlines()[-5:],
            )
        return strip_restrict(out.read_text(encoding="utf-8", errors="replace"))
