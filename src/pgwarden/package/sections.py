"""The tables of ``pgwarden.toml``, each validated into its typed form: ``[[bundle]]``, ``[[probe]]``,
``[policy]``, ``[apply]``, ``[target]``, ``[settings]``, ``[verify]`` and ``[[waiver]]``.

Each parser adds every problem it finds to one :class:`Problems` (named by key path: ``bundle[2].rollback`` is
the second ``[[bundle]]`` table, counted from 1) and returns what it could read; :func:`pgwarden.package.manifest.
load_package` raises them all at once as :class:`BadInput` (exit 2).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgwarden.errors import BadInput, Place
from pgwarden.expect.model import Expectations, parse_expectations
from pgwarden.package.lint.patterns import parse_call_pattern, parse_table_name
from pgwarden.parsing.statement_kinds import KNOWN_KINDS, normalize_kind
from pgwarden.parsing.walk import parse_search_path
from pgwarden.pg.guard import GUARD_KEYS
from pgwarden.rules import close_waiver_names, waiver_names

MANIFEST = "pgwarden.toml"
SUM = "pgwarden.sum"
TOP_KEYS = ("package", "target", "settings", "policy", "apply", "bundle", "probe", "verify", "vars", "waiver")
PACKAGE_KEYS = ("name", "description")
_APPLY_KEYS = ("lock_retries",)
MAX_LOCK_RETRIES = 20
_POLICY_KEYS = ("forbid", "forbid_calls", "protected_tables", "data_checks", "data_check_timeout", "max_locked_bytes")
DEFAULT_MAX_LOCKED_BYTES = 100 * 1024 * 1024
DEFAULT_DATA_CHECK_TIMEOUT_S = 10.0
_BUNDLE_KEYS = ("id", "title", "apply", "rollback", "reason", "transaction", "verify", "origin")
_WAIVER_KEYS = ("bundle", "rule", "reason")
_PROBE_KEYS = ("name", "after", "sql", "expect_error", "expect_rows")
_TARGET_TYPES: dict[str, tuple[type, ...]] = {
    "database": (str,),
    "server_major": (int,),
    "role": (str,),
    "superuser": (bool,),
    "system_identifier": (str, int),
    "data_checksums": (bool,),
    "server_version": (str,),
}
_ID_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_GUC_OK = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")
_SQLSTATE_OK = re.compile(r"[0-9A-Z]{5}")


@dataclass(frozen=True)
class Bundle:
    id: str
    title: str
    apply: Path
    rollback: Path | None
    rollback_reason: str | None
    transaction: bool
    apply_rel: str
    rollback_rel: str | None
    verify: Path | None = None  # a SQL file that must run without error after the bundle (rolled back)
    verify_rel: str | None = None
    origin: str | None = None  # where an imported bundle came from, e.g. "flyway:1.2" (ledger adoption)

    @property
    def irreversible(self) -> bool:
        return self.rollback is None


@dataclass(frozen=True)
class Waiver:
    """``[[waiver]]``: findings of ``rule`` in ``bundle`` are shown as WAIVED with ``reason``, not as errors."""

    bundle: str
    rule: str
    reason: str


@dataclass(frozen=True)
class ProbeSpec:
    name: str
    after: str
    sql: str
    expect_error: str | None
    expect_rows: int | None

    @property
    def expected(self) -> str:
        """What the probe expects, in the words every report uses: "error 23505", "0 row(s)", "succeeds"."""
        if self.expect_error:
            return f"error {self.expect_error}"
        if self.expect_rows is not None:
            return f"{self.expect_rows} row(s)"
        return "succeeds"


@dataclass(frozen=True)
class Policy:
    forbid: tuple[str, ...] = ()
    forbid_calls: tuple[str, ...] = ()
    protected_tables: tuple[str, ...] = ()
    data_checks: bool = False  # preflight counts the rows that would break a statement
    data_check_timeout: float = DEFAULT_DATA_CHECK_TIMEOUT_S  # seconds per data check query
    max_locked_bytes: int = DEFAULT_MAX_LOCKED_BYTES  # a rewrite or scan under ACCESS EXCLUSIVE above it: error


@dataclass(frozen=True)
class ApplySettings:
    """``[apply]``: how ``pgwarden apply`` runs the bundles."""

    lock_retries: int = 3  # a bundle that fails on lock_timeout (55P03) is retried whole this many times


class Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[str] = []

    def add(self, key: str, text: str) -> None:
        self.items.append(f"{self.file}: {key}: {text}" if key else f"{self.file}: {text}")

    def raise_if_any(self) -> None:
        if self.items:
            more = f" (and {len(self.items) - 1} more problem(s))" if len(self.items) > 1 else ""
            raise BadInput(
                self.items[0] + more,
                details=self.items[1:],
                places=[Place(self.file, 0, 0, text) for text in self.items],
            )


def read_once(path: Path, rel: str, problems: Problems) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.add("", f"{rel}: cannot read: {exc.strerror or exc}")
        return None


def unknown_keys(p: Problems, where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            p.add(f"{where}.{key}" if where else key, f"unknown key; expected one of {', '.join(allowed)}")


def string(
    p: Problems, key: str, table: dict[str, Any], name: str, *, required: bool, empty_ok: bool = False
) -> str | None:
    full = f"{key}.{name}" if key else name
    if name not in table:
        if required:
            p.add(full, "missing; expected a string")
        return None
    v = table[name]
    if not isinstance(v, str):
        p.add(full, f"expected a string, got {type(v).__name__}")
        return None
    if not v.strip() and not empty_ok:
        p.add(full, "must not be empty")
        return None
    return v


def rel_file(p: Problems, key: str, root: Path, rel: str) -> Path | None:
    if any(c in rel for c in "\\\n\r\x00"):
        p.add(key, f"{rel!r}: backslashes, NUL bytes and line breaks are not allowed in file names")
        return None
    path = Path(rel)
    if path.is_absolute():
        p.add(key, f"{rel!r}: expected a path relative to the package directory")
        return None
    full = root / path
    try:
        inside = full.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        p.add(key, f"{rel!r}: cannot be resolved (a symlink loop?)")
        return None
    if not inside:
        p.add(key, f"{rel!r}: points outside the package directory")
        return None
    if not full.is_file():
        p.add(key, f"{rel!r}: file not found in {root}")
        return None
    return full.absolute()


def _posix(rel: str) -> str:
    """A file name as the package pins it: relative, ``.`` and ``..`` folded away (``sub/../A.sql`` is ``A.sql``)."""
    return Path(os.path.normpath(rel)).as_posix()


def _same_file_key(root: Path, rel: str) -> str:
    """What makes two names one file: its real path inside the package (links followed), else its folded name."""
    try:
        return str((root / rel).resolve())
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte (refused by _rel_file, named there)
        return rel


def _table(p: Problems, key: str, raw: Any) -> dict[str, Any] | None:
    """An optional ``[key]`` table: None when it is absent, or not a table (reported)."""
    if raw is not None and not isinstance(raw, dict):
        p.add(key, "expected a table")
        return None
    return raw


def _list_of_str(p: Problems, key: str, v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        p.add(key, "expected a list of strings")
        return []
    return list(v)


def policy(p: Problems, raw: Any) -> Policy:
    raw = _table(p, "policy", raw)
    if raw is None:
        return Policy()
    unknown_keys(p, "policy", raw, _POLICY_KEYS)
    forbid = []
    for i, k in enumerate(_list_of_str(p, "policy.forbid", raw.get("forbid", [])), 1):
        kind = normalize_kind(k)
        if kind not in KNOWN_KINDS:
            p.add(
                f"policy.forbid[{i}]",
                f"{k!r} is not a statement kind; expected e.g. "
                '"DROP TABLE", "TRUNCATE", "DROP SCHEMA", "DROP COLUMN", "DELETE"',
            )
        else:
            forbid.append(kind)
    calls = []
    for i, c in enumerate(_list_of_str(p, "policy.forbid_calls", raw.get("forbid_calls", [])), 1):
        try:
            parse_call_pattern(c)
            calls.append(c)
        except ValueError as exc:
            p.add(
                f"policy.forbid_calls[{i}]",
                f"{c!r} is not a call pattern ({exc}); expected "
                "schema.function(arg, …) with * for any argument and literals, e.g. public.fn(*, *, false)",
            )
    tables = []
    for i, t in enumerate(_list_of_str(p, "policy.protected_tables", raw.get("protected_tables", [])), 1):
        try:
            parse_table_name(t)
            tables.append(t)
        except ValueError as exc:
            p.add(f"policy.protected_tables[{i}]", f"{t!r} is not a table name ({exc}); expected schema.table")
    data_checks = raw.get("data_checks", False)
    if not isinstance(data_checks, bool):
        p.add("policy.data_checks", "expected true or false")
        data_checks = False
    timeout = raw.get("data_check_timeout", DEFAULT_DATA_CHECK_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 3600:
        p.add("policy.data_check_timeout", "expected a number of seconds from 0 to 3600, e.g. 10")
        timeout = DEFAULT_DATA_CHECK_TIMEOUT_S
    limit = _byte_size(p, raw.get("max_locked_bytes", DEFAULT_MAX_LOCKED_BYTES))
    return Policy(tuple(forbid), tuple(calls), tuple(tables), data_checks, float(timeout), limit)


_BYTE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _byte_size(p: Problems, v: Any) -> int:
    """``max_locked_bytes``: an integer of bytes or a size such as "100 MB" (1024-based, as PostgreSQL's units)."""
    bad = 'expected a size such as 104857600 or "100 MB" (B, kB, MB, GB, TB)'
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if isinstance(v, str):
        text = v.strip().upper().replace(" ", "")
        for unit in sorted(_BYTE_UNITS, key=len, reverse=True):
            number = text.removesuffix(unit)
            if number != text:
                try:
                    value = float(number)
                except ValueError:
                    break
                if 0 <= value < 2**62 / _BYTE_UNITS[unit]:  # finite and representable ("inf MB" is not)
                    return int(value * _BYTE_UNITS[unit])
                break
    p.add("policy.max_locked_bytes", bad)
    return DEFAULT_MAX_LOCKED_BYTES


def apply_settings(p: Problems, raw: Any) -> ApplySettings:
    raw = _table(p, "apply", raw)
    if raw is None:
        return ApplySettings()
    unknown_keys(p, "apply", raw, _APPLY_KEYS)
    retries = raw.get("lock_retries", ApplySettings.lock_retries)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_LOCK_RETRIES:
        p.add("apply.lock_retries", f"expected an integer from 0 to {MAX_LOCK_RETRIES}")
        return ApplySettings()
    return ApplySettings(retries)


def target(p: Problems, raw: Any) -> dict[str, Any]:
    raw = _table(p, "target", raw)
    if raw is None:
        return {}
    out = {}
    for key, v in raw.items():
        if key not in GUARD_KEYS:
            p.add(f"target.{key}", f"unknown key; expected one of {', '.join(GUARD_KEYS)}")
            continue
        types = _TARGET_TYPES[key]
        if not isinstance(v, types) or (bool not in types and isinstance(v, bool)):
            p.add(f"target.{key}", f"expected {' or '.join(t.__name__ for t in types)}, got {type(v).__name__}")
            continue
        out[key] = v
    return out


def settings(p: Problems, raw: Any) -> dict[str, str]:
    raw = _table(p, "settings", raw)
    if raw is None:
        return {}
    out = {}
    for key, v in raw.items():
        if not _GUC_OK.fullmatch(key):
            p.add(f"settings.{key}", "not a PostgreSQL setting name")
            continue
        if isinstance(v, bool):
            out[key] = "on" if v else "off"
        elif isinstance(v, str | int | float):
            out[key] = str(v)
        else:
            p.add(f"settings.{key}", f"expected a string or number, got {type(v).__name__}")
            continue
        if key.lower() == "search_path" and parse_search_path(out[key]) is None:
            p.add(f"settings.{key}", f'{out[key]!r} is not a schema list, e.g. "pg_catalog, public"')
    return out


def bundles(p: Problems, root: Path, raw: Any) -> tuple[Bundle, ...]:
    if raw is None:
        p.add("bundle", "missing; expected at least one [[bundle]] table")
        return ()
    if not isinstance(raw, list) or not all(isinstance(b, dict) for b in raw):
        p.add("bundle", "expected [[bundle]] tables")
        return ()
    if not raw:
        p.add("bundle", "expected at least one [[bundle]] table")
    out: list[Bundle] = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[str, str] = {}
    for i, b in enumerate(raw, 1):
        key = f"bundle[{i}]"
        unknown_keys(p, key, b, _BUNDLE_KEYS)
        bid = string(p, key, b, "id", required=True)
        if bid is not None:
            if not _ID_OK.fullmatch(bid):
                p.add(f"{key}.id", f"{bid!r}: expected 1-63 letters, digits, '_', '.' or '-'")
            elif bid in seen_ids:
                p.add(
                    f"{key}.id",
                    f"duplicate bundle id {bid!r} (also bundle[{seen_ids[bid]}].id); expected ids to be unique",
                )
            else:
                seen_ids[bid] = i
        title = string(p, key, b, "title", required=True)
        apply_rel = string(p, key, b, "apply", required=True)
        apply = rel_file(p, f"{key}.apply", root, apply_rel) if apply_rel else None
        transaction = b.get("transaction", True)
        if not isinstance(transaction, bool):
            p.add(f"{key}.transaction", f"expected true or false, got {type(transaction).__name__}")
            transaction = True
        rb_rel = string(p, key, b, "rollback", required=False)
        reason = string(p, key, b, "reason", required=False)
        rollback: Path | None = None
        if "rollback" not in b:
            p.add(f"{key}.rollback", 'missing; expected a rollback file, or rollback = "none" with a reason')
        elif rb_rel == "none":
            if not reason:
                p.add(
                    f"{key}.reason", 'missing; rollback = "none" needs a reason saying why the bundle cannot be undone'
                )
            rb_rel = None
        elif rb_rel is not None:
            rollback = rel_file(p, f"{key}.rollback", root, rb_rel)
            if reason is not None:
                p.add(f"{key}.reason", 'only allowed with rollback = "none"')
        verify_rel = string(p, key, b, "verify", required=False)
        verify = rel_file(p, f"{key}.verify", root, verify_rel) if verify_rel else None
        origin = string(p, key, b, "origin", required=False)
        for fk, rel in (("apply", apply_rel), ("rollback", rb_rel), ("verify", verify_rel)):
            if not rel:
                continue
            norm = _same_file_key(root, rel)  # sub/../A.sql, or a link to A.sql, is A.sql: named (and read) once
            if norm in seen_files:
                p.add(f"{key}.{fk}", f"{rel!r} is already named by {seen_files[norm]}; expected each file once")
            else:
                seen_files[norm] = f"{key}.{fk}"
        if bid is not None and title is not None and apply is not None and apply_rel is not None:
            out.append(
                Bundle(
                    bid,
                    title,
                    apply,
                    rollback,
                    reason if rb_rel is None else None,
                    transaction,
                    _posix(apply_rel),
                    _posix(rb_rel) if rb_rel else None,
                    verify,
                    _posix(verify_rel) if verify_rel else None,
                    origin,
                )
            )
    manifest_key = _same_file_key(root, MANIFEST)
    if manifest_key in seen_files:
        p.add(seen_files[manifest_key], f"{MANIFEST} cannot be a SQL file of a bundle")
    return tuple(out)


def probes(p: Problems, raw: Any, bundle_ids: set[str]) -> tuple[ProbeSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        p.add("probe", "expected [[probe]] tables")
        return ()
    out: list[ProbeSpec] = []
    names: set[str] = set()
    for i, pr in enumerate(raw, 1):
        key = f"probe[{i}]"
        unknown_keys(p, key, pr, _PROBE_KEYS)
        name = string(p, key, pr, "name", required=True)
        if name is not None:
            if name in names:
                p.add(f"{key}.name", f"duplicate probe name {name!r}; expected names to be unique")
            names.add(name)
        after = string(p, key, pr, "after", required=True)
        if after is not None and after not in bundle_ids:
            p.add(
                f"{key}.after",
                f"{after!r} names no bundle; expected one of {', '.join(sorted(bundle_ids)) or '(no valid bundles)'}",
            )
        sql = string(p, key, pr, "sql", required=True)
        err = pr.get("expect_error")
        rows = pr.get("expect_rows")
        if err is not None and (not isinstance(err, str) or not _SQLSTATE_OK.fullmatch(err)):
            p.add(f"{key}.expect_error", 'expected a five-character SQLSTATE such as "P0001"')
            err = None
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
            p.add(f"{key}.expect_rows", "expected a non-negative integer")
            rows = None
        if "expect_error" in pr and "expect_rows" in pr:
            p.add(key, "give expect_error or expect_rows, not both")
        if name and after and sql:
            out.append(ProbeSpec(name, after, sql, err, rows))
    return tuple(out)


def verify(p: Problems, raw: Any, manifest: Path) -> Expectations | None:
    """``[verify]``, parsed once, here, into its typed form (None: the manifest has none)."""
    raw = _table(p, "verify", raw)
    if raw is None:
        return None
    try:
        return parse_expectations(raw, f"{manifest} [verify]")
    except BadInput as exc:
        p.items.append(exc.message)
        p.items.extend(exc.details)
    return None


def waivers(p: Problems, raw: Any, bundle_ids: set[str]) -> tuple[Waiver, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        p.add("waiver", "expected [[waiver]] tables")
        return ()
    out = []
    for i, w in enumerate(raw, 1):
        key = f"waiver[{i}]"
        unknown_keys(p, key, w, _WAIVER_KEYS)
        bundle = string(p, key, w, "bundle", required=True)
        rule = string(p, key, w, "rule", required=True)
        reason = string(p, key, w, "reason", required=True)
        if rule is not None and rule.strip() and rule not in waiver_names():
            near = " or ".join(repr(n) for n in close_waiver_names(rule))
            p.add(
                f"{key}.rule",
                f'{rule!r} names no rule; expected a rule id ("policy.forbid") or a family of '
                'rules ("policy") that a finding can carry' + (f"; did you mean {near}?" if near else ""),
            )
        if bundle is not None and bundle not in bundle_ids:
            p.add(f"{key}.bundle", f"{bundle!r} names no bundle; expected one of {', '.join(sorted(bundle_ids))}")
            continue
        if bundle and rule and reason:
            out.append(Waiver(bundle, rule, reason))
    return tuple(out)
