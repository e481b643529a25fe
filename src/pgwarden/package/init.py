"""``pgwarden init NAME``: a new change package that already passes ``pgwarden check``.

It shows every part of the format on a harmless example (a table, its rollback, a probe and a
``[verify]`` expectation) and is locked, so the first ``check`` passes and the first edit shows up
as drift until it is reviewed and locked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.package.lock import lock
from pgwarden.package.manifest import MANIFEST, SUM
from pgwarden.private import make_private_dirs, write_private

_MANIFEST = """# pgwarden change package: see `pgwarden check --help`.
[package]
name = "{name}"
description = "Describe the change in one line"

# Identity guard: every key given here must match the live server (uncomment and fill in).
[target]
# database = "mydb"
# server_major = 16
# role = "migrator"
# system_identifier = "7361234567890123456"   # the strongest guard: SELECT system_identifier FROM pg_control_system()

[settings]                     # SET LOCAL inside every bundle transaction
lock_timeout = "5s"
statement_timeout = "2min"

[policy]
forbid = ["DROP TABLE", "TRUNCATE", "DROP SCHEMA"]   # statement kinds refused in bundles
forbid_calls = []              # e.g. "public.fn_enact(*, *, false)"; * matches any argument
protected_tables = []          # e.g. "public.invoice": no writes outside rollback-only probes

[[bundle]]
id = "A"
title = "create {table}"
apply = "A.sql"
rollback = "A.rollback.sql"    # or rollback = "none" with reason = "…"

[[probe]]                      # rollback-only probe: runs after bundle A, always rolled back
name = "{table} starts empty"
after = "A"
sql = "SELECT 1 FROM {table}"
expect_rows = 0

[verify]                       # expectations after apply
tables = ["{table}"]
"""

_APPLY = """-- Bundle A runs as one transaction, with [settings] applied by SET LOCAL.
CREATE TABLE {table} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE {table} IS 'created by pgwarden init';
"""

_ROLLBACK = """-- Undoes bundle A. A rollback may drop only what its own bundle creates.
DROP TABLE {table};
"""


@dataclass(frozen=True)
class InitResult:
    package: str
    path: str
    files: tuple[str, ...]
    sum_file: str


def init(name: str) -> InitResult:
    """Create the package directory ``name`` (a path; its last part is the package name)."""
    root = Path(name)
    pkg_name = root.absolute().name
    if not pkg_name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", pkg_name):
        raise BadInput(f"{name}: package name {pkg_name!r}: expected letters, digits, '_', '.' or '-'")
    if userfiles.exists(root) and (not root.is_dir() or any(root.iterdir())):
        raise BadInput(f"{root}: already exists and is not an empty directory; choose a new name")
    ident = re.sub(r"[^a-z0-9_]+", "_", pkg_name.lower()).strip("_") or "change"
    if not ident[0].isalpha():
        ident = f"pkg_{ident}"  # an unquoted identifier must start with a letter
    table = f"public.{ident[:50]}_example"
    try:
        make_private_dirs(root)
    except OSError as exc:
        raise BadInput(f"{root}: cannot create directory: {exc.strerror}") from None
    files = {MANIFEST: _MANIFEST, "A.sql": _APPLY, "A.rollback.sql": _ROLLBACK}
    for rel, text in files.items():
        write_private(root / rel, text.format(name=pkg_name, table=table).encode("utf-8"))
    locked = lock(root)
    return InitResult(pkg_name, str(root.absolute()), (*files, SUM), locked.sum_file)
