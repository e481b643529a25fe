"""The change package manifest (``pgwarden.toml``): model and full validation.

Every problem is collected and reported at once as :class:`BadInput` (exit 2): the message names the
file, the key path (``bundle[2].rollback``: the second ``[[bundle]]`` table, counted from 1) and
what was expected. Nothing in a package is trusted before this passes.

Bytes are read once: the manifest, ``pgwarden.sum`` and every file the manifest names (bundle, rollback and
verify files, and non-secret ``[vars]`` files) are read here, one time each, into :attr:`Package.files`. The
integrity check hashes those bytes, and they are what every later step parses, shows and runs; nothing of
the package is read from disk again, so a file swapped during a run changes nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.expect.expectations import parse_expectations
from pgwarden.package.lint.patterns import parse_call_pattern, parse_table_name
from pgwarden.package.vars import Var, parse_vars, resolve_files, substitute
from pgwarden.parsing.source import decode_sql
from pgwarden.parsing.statement_kinds import KNOWN_KINDS, normalize_kind
from pgwarden.parsing.walk import parse_search_path
from pgwarden.pg.guard import GUARD_KEYS

MANIFEST = "pgwarden.toml"
SUM = "pgwarden.sum"

_TOP_KEYS = ("package", "target", "settings", "policy", "apply", "bundle", "probe", "verify", "vars", "waiver")
_APPLY_KEYS = ("lock_retries",)
MAX_LOCK_RETRIES = 20
_PACKAGE_KEYS = ("name", "description")
_POLICY_KEYS = ("forbid", "forbid_calls", "protected_tables", "data_checks", "data_check_timeout", "max_locked_bytes")
DEFAULT_MAX_LOCKED_BYTES = 100 * 1024 * 1024
DEFAULT_DATA_CHECK_TIMEOUT_S = 10.0
_BUNDLE_KEYS = ("id", "title", "apply", "rollback", "reason", "transaction", "verify", "origin")
_WAIVER_KEYS = ("bundle", "rule", "reason")
_PROBE_KEYS = ("name", "after", "sql", "expect_error", "expect_rows")
_TARGET_TYPES: dict[str, tuple[type, ...]] = {
    "database": (str,), "server_major": (int,), "role": (str,), "superuser": (bool,),
    "system_identifier": (str, int), "data_checksums": (bool,), "server_version": (str,),
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
    verify: Path | None = None        # a SQL file that must run without error after the bundle (rolled back)
    verify_rel: str | None = None
    origin: str | None = None         # where an imported bundle came from, e.g. "flyway:1.2" (ledger adoption)

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


@dataclass(frozen=True)
class Policy:
    forbid: tuple[str, ...] = ()
    forbid_calls: tuple[str, ...] = ()
    protected_tables: tuple[str, ...] = ()
    data_checks: bool = False                 # preflight counts the rows that would break a statement
    data_check_timeout: float = DEFAULT_DATA_CHECK_TIMEOUT_S   # seconds per data check query
    max_locked_bytes: int = DEFAULT_MAX_LOCKED_BYTES  # a rewrite or scan under ACCESS EXCLUSIVE above it: error


@dataclass(frozen=True)
class ApplySettings:
    """``[apply]``: how ``pgwarden apply`` runs the bundles."""

    lock_retries: int = 3    # a bundle that fails on lock_timeout (55P03) is retried whole this many times


@dataclass(frozen=True)
class Package:
    root: Path
    manifest_path: Path
    name: str
    description: str
    target: dict[str, Any]
    settings: dict[str, str]
    policy: Policy
    bundles: tuple[Bundle, ...]
    probes: tuple[ProbeSpec, ...]
    verify: dict[str, Any]
    apply: ApplySettings = ApplySettings()
    vars: Mapping[str, Var] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)   # every named file, manifest included, read once
    sum_data: bytes | None = None                              # pgwarden.sum as read with them (None: absent)

    def data(self, rel: str) -> bytes:
        """The bytes of a file the manifest names, as read once at load."""
        return self.files[rel]

    @property
    def manifest_text(self) -> str:
        return self.files[MANIFEST].decode("utf-8")

    def sql_text(self, rel: str, *, placeholders: bool = False) -> str:
        """A bundle, rollback or verify file as it runs: decoded, its [vars] substituted (``placeholders``: a
        secret that is not available here is checked with a stand-in, as an offline ``check`` does)."""
        return substitute(decode_sql(self.files[rel], rel), self.vars, rel, placeholders=placeholders)

    def bundle(self, bundle_id: str) -> Bundle:
        for b in self.bundles:
            if b.id == bundle_id:
                return b
        raise KeyError(bundle_id)

    def named_files(self) -> tuple[str, ...]:
        """The manifest and every file it names, in manifest order (what ``pgwarden.sum`` pins): bundle,
        rollback and verify files, then the files of non-secret [vars]."""
        return named_files(self.bundles, self.vars)


def named_files(bundles: tuple[Bundle, ...], variables: Mapping[str, Var]) -> tuple[str, ...]:
    out = [MANIFEST]
    for b in bundles:
        out.append(b.apply_rel)
        if b.rollback_rel:
            out.append(b.rollback_rel)
        if b.verify_rel:
            out.append(b.verify_rel)
    out += [v.origin for v in variables.values() if v.pinned and v.origin not in out]
    return tuple(out)


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[str] = []

    def add(self, key: str, text: str) -> None:
        self.items.append(f"{self.file}: {key}: {text}" if key else f"{self.file}: {text}")

    def raise_if_any(self) -> None:
        if self.items:
            more = f" (and {len(self.items) - 1} more problem(s))" if len(self.items) > 1 else ""
            raise BadInput(self.items[0] + more, details=self.items[1:])


def _read_once(path: Path, rel: str, problems: _Problems) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.add("", f"{rel}: cannot read: {exc.strerror or exc}")
        return None


def _unknown(p: _Problems, where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            p.add(f"{where}.{key}" if where else key,
                  f"unknown key; expected one of {', '.join(allowed)}")


def _str(p: _Problems, key: str, table: dict[str, Any], name: str, *, required: bool,
         empty_ok: bool = False) -> str | None:
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


def _rel_file(p: _Problems, key: str, root: Path, rel: str) -> Path | None:
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
    except (OSError, RuntimeError, ValueError):   # ValueError: a NUL byte (refused by _rel_file, named there)
        return rel


def _list_of_str(p: _Problems, key: str, v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        p.add(key, "expected a list of strings")
        return []
    return list(v)


def _policy(p: _Problems, raw: Any) -> Policy:
    if raw is None:
        return Policy()
    if not isinstance(raw, dict):
        p.add("policy", "expected a table")
        return Policy()
    _unknown(p, "policy", raw, _POLICY_KEYS)
    forbid = []
    for i, k in enumerate(_list_of_str(p, "policy.forbid", raw.get("forbid", [])), 1):
        kind = normalize_kind(k)
        if kind not in KNOWN_KINDS:
            p.add(f"policy.forbid[{i}]", f"{k!r} is not a statement kind; expected e.g. "
                  "\"DROP TABLE\", \"TRUNCATE\", \"DROP SCHEMA\", \"DROP COLUMN\", \"DELETE\"")
        else:
            forbid.append(kind)
    calls = []
    for i, c in enumerate(_list_of_str(p, "policy.forbid_calls", raw.get("forbid_calls", [])), 1):
        try:
            parse_call_pattern(c)
            calls.append(c)
        except ValueError as exc:
            p.add(f"policy.forbid_calls[{i}]", f"{c!r} is not a call pattern ({exc}); expected "
                  "schema.function(arg, …) with * for any argument and literals, e.g. public.fn(*, *, false)")
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


_BYTE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def _byte_size(p: _Problems, v: Any) -> int:
    """``max_locked_bytes``: an integer of bytes or a size such as "100 MB" (1024-based, as PostgreSQL's units)."""
    bad = "expected a size such as 104857600 or \"100 MB\" (B, kB, MB, GB, TB)"
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
                if 0 <= value < 2 ** 62 / _BYTE_UNITS[unit]:   # finite and representable ("inf MB" is not)
                    return int(value * _BYTE_UNITS[unit])
                break
    p.add("policy.max_locked_bytes", bad)
    return DEFAULT_MAX_LOCKED_BYTES


def _apply(p: _Problems, raw: Any) -> ApplySettings:
    if raw is None:
        return ApplySettings()
    if not isinstance(raw, dict):
        p.add("apply", "expected a table")
        return ApplySettings()
    _unknown(p, "apply", raw, _APPLY_KEYS)
    retries = raw.get("lock_retries", ApplySettings.lock_retries)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_LOCK_RETRIES:
        p.add("apply.lock_retries", f"expected an integer from 0 to {MAX_LOCK_RETRIES}")
        return ApplySettings()
    return ApplySettings(retries)


def _target(p: _Problems, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        p.add("target", "expected a table")
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


def _settings(p: _Problems, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        p.add("settings", "expected a table")
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
            p.add(f"settings.{key}", f"{out[key]!r} is not a schema list, e.g. \"pg_catalog, public\"")
    return out


def _bundles(p: _Problems, root: Path, raw: Any) -> tuple[Bundle, ...]:
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
        _unknown(p, key, b, _BUNDLE_KEYS)
        bid = _str(p, key, b, "id", required=True)
        if bid is not None:
            if not _ID_OK.fullmatch(bid):
                p.add(f"{key}.id", f"{bid!r}: expected 1-63 letters, digits, '_', '.' or '-'")
            elif bid in seen_ids:
                p.add(f"{key}.id", f"duplicate bundle id {bid!r} (also bundle[{seen_ids[bid]}].id); "
                      "expected ids to be unique")
            else:
                seen_ids[bid] = i
        title = _str(p, key, b, "title", required=True)
        apply_rel = _str(p, key, b, "apply", required=True)
        apply = _rel_file(p, f"{key}.apply", root, apply_rel) if apply_rel else None
        transaction = b.get("transaction", True)
        if not isinstance(transaction, bool):
            p.add(f"{key}.transaction", f"expected true or false, got {type(transaction).__name__}")
            transaction = True
        rb_rel = _str(p, key, b, "rollback", required=False)
        reason = _str(p, key, b, "reason", required=False)
        rollback: Path | None = None
        if "rollback" not in b:
            p.add(f"{key}.rollback", "missing; expected a rollback file, or rollback = \"none\" with a reason")
        elif rb_rel == "none":
            if not reason:
                p.add(f"{key}.reason", "missing; rollback = \"none\" needs a reason saying why the bundle "
                      "cannot be undone")
            rb_rel = None
        elif rb_rel is not None:
            rollback = _rel_file(p, f"{key}.rollback", root, rb_rel)
            if reason is not None:
                p.add(f"{key}.reason", "only allowed with rollback = \"none\"")
        verify_rel = _str(p, key, b, "verify", required=False)
        verify = _rel_file(p, f"{key}.verify", root, verify_rel) if verify_rel else None
        origin = _str(p, key, b, "origin", required=False)
        for fk, rel in (("apply", apply_rel), ("rollback", rb_rel), ("verify", verify_rel)):
            if not rel:
                continue
            norm = _same_file_key(root, rel)   # sub/../A.sql, or a link to A.sql, is A.sql: named (and read) once
            if norm in seen_files:
                p.add(f"{key}.{fk}", f"{rel!r} is already named by {seen_files[norm]}; expected each file once")
            else:
                seen_files[norm] = f"{key}.{fk}"
        if bid is not None and title is not None and apply is not None and apply_rel is not None:
            out.append(Bundle(bid, title, apply, rollback, reason if rb_rel is None else None, transaction,
                              _posix(apply_rel), _posix(rb_rel) if rb_rel else None,
                              verify, _posix(verify_rel) if verify_rel else None, origin))
    manifest_key = _same_file_key(root, MANIFEST)
    if manifest_key in seen_files:
        p.add(seen_files[manifest_key], f"{MANIFEST} cannot be a SQL file of a bundle")
    return tuple(out)


def _probes(p: _Problems, raw: Any, bundle_ids: set[str]) -> tuple[ProbeSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        p.add("probe", "expected [[probe]] tables")
        return ()
    out: list[ProbeSpec] = []
    names: set[str] = set()
    for i, pr in enumerate(raw, 1):
        key = f"probe[{i}]"
        _unknown(p, key, pr, _PROBE_KEYS)
        name = _str(p, key, pr, "name", required=True)
        if name is not None:
            if name in names:
                p.add(f"{key}.name", f"duplicate probe name {name!r}; expected names to be unique")
            names.add(name)
        after = _str(p, key, pr, "after", required=True)
        if after is not None and after not in bundle_ids:
            p.add(f"{key}.after", f"{after!r} names no bundle; expected one of "
                  f"{', '.join(sorted(bundle_ids)) or '(no valid bundles)'}")
        sql = _str(p, key, pr, "sql", required=True)
        err = pr.get("expect_error")
        rows = pr.get("expect_rows")
        if err is not None and (not isinstance(err, str) or not _SQLSTATE_OK.fullmatch(err)):
            p.add(f"{key}.expect_error", "expected a five-character SQLSTATE such as \"P0001\"")
            err = None
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
            p.add(f"{key}.expect_rows", "expected a non-negative integer")
            rows = None
        if "expect_error" in pr and "expect_rows" in pr:
            p.add(key, "give expect_error or expect_rows, not both")
        if name and after and sql:
            out.append(ProbeSpec(name, after, sql, err, rows))
    return tuple(out)


def _verify(p: _Problems, raw: Any, manifest: Path) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        p.add("verify", "expected a table")
        return {}
    try:
        parse_expectations(raw, f"{manifest} [verify]")
    except BadInput as exc:
        p.items.append(exc.message)
        p.items.extend(exc.details)
    return dict(raw)


def load_package(path: Path) -> Package:
    """Read and fully validate the package at ``path`` (a directory or its ``pgwarden.toml``)."""
    path = Path(path)
    userfiles.exists(path)
    root = path.parent if path.name == MANIFEST and path.is_file() else path
    if not root.exists():
        raise BadInput(f"{root}: no such package directory")
    if not root.is_dir():
        raise BadInput(f"{root}: expected a package directory containing {MANIFEST}")
    manifest = root / MANIFEST
    manifest_bytes = userfiles.read_bytes(manifest, MANIFEST,
                                          missing_hint=f"; a package is a directory with a {MANIFEST}")
    data = userfiles.parse_toml(manifest_bytes, manifest, MANIFEST)
    p = _Problems(str(manifest))
    _unknown(p, "", data, _TOP_KEYS)
    pkg = data.get("package")
    name, description = None, ""
    if not isinstance(pkg, dict):
        p.add("package", "missing; expected a [package] table with name = \"…\"" if pkg is None
              else "expected a table")
    else:
        _unknown(p, "package", pkg, _PACKAGE_KEYS)
        name = _str(p, "package", pkg, "name", required=True)
        description = _str(p, "package", pkg, "description", required=False, empty_ok=True) or ""
    target = _target(p, data.get("target"))
    settings = _settings(p, data.get("settings"))
    policy = _policy(p, data.get("policy"))
    bundles = _bundles(p, root, data.get("bundle"))
    raw_bundles: list[Any] = data["bundle"] if isinstance(data.get("bundle"), list) else []
    raw_ids = {b["id"] for b in raw_bundles if isinstance(b, dict) and isinstance(b.get("id"), str)}
    probes = _probes(p, data.get("probe"), raw_ids)
    verify = _verify(p, data.get("verify"), manifest)
    apply_settings = _apply(p, data.get("apply"))
    variables = parse_vars(data.get("vars"), root, p.add, lambda key, rel: _rel_file(p, key, root, rel))
    waivers = _waivers(p, data.get("waiver"), raw_ids)
    p.raise_if_any()
    assert name is not None
    files: dict[str, bytes] = {MANIFEST: manifest_bytes}
    for rel in named_files(bundles, variables)[1:]:
        got = _read_once(root / rel, rel, p)
        if got is not None:
            files[rel] = got
    sum_path = root / SUM
    sum_data = _read_once(sum_path, SUM, p) if sum_path.is_file() else None
    p.raise_if_any()
    variables = resolve_files(variables, files, p.add)
    p.raise_if_any()
    return Package(root.absolute(), manifest.absolute(), name, description, target, settings, policy,
                   bundles, probes, verify, apply_settings, variables, waivers, files, sum_data)


def _waivers(p: _Problems, raw: Any, bundle_ids: set[str]) -> tuple[Waiver, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        p.add("waiver", "expected [[waiver]] tables")
        return ()
    out = []
    for i, w in enumerate(raw, 1):
        key = f"waiver[{i}]"
        _unknown(p, key, w, _WAIVER_KEYS)
        bundle = _str(p, key, w, "bundle", required=True)
        rule = _str(p, key, w, "rule", required=True)
        reason = _str(p, key, w, "reason", required=True)
        if bundle is not None and bundle not in bundle_ids:
            p.add(f"{key}.bundle", f"{bundle!r} names no bundle; expected one of {', '.join(sorted(bundle_ids))}")
            continue
        if bundle and rule and reason:
            out.append(Waiver(bundle, rule, reason))
    return tuple(out)
