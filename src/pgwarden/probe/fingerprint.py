"""Fingerprints: the data model of a probe, its JSON file format, and the diff of two of them.

A fingerprint has one :class:`ProbeEntry` per database object. Each entry carries the canonical
definition text that was hashed (a JSON object printed by PostgreSQL's ``jsonb`` output, which is
deterministic), so that a diff can say *what* changed, and a loaded file can be re-checked: every
entry's hash must match its definition.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from pgwarden import userfiles
from pgwarden.changes import ChangeSign, ObjectChange  # made here, defined there: the evidence room renders it
from pgwarden.errors import BadInput, disk_full
from pgwarden.private import make_private_dirs, write_private

FORMAT = "pgwarden-fingerprint"
FORMAT_VERSION = 1
ROWS_MODES = ("exact", "estimate", "none")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ProbeEntry:
    kind: str  # schema|table|column|constraint|index|view|matview|sequence|function|trigger|...
    name: str  # stable identity, e.g. "public.t.col", "public.f(integer, text)", "table public.t" (a grant:
    #                  the object's ACL), "SELECT (email) ON public.t TO reporting" (a grant: one column privilege)
    hash: str  # sha256 hex of ``definition``
    definition: str  # the canonical definition text that was hashed

    @classmethod
    def of(cls, kind: str, name: str, definition: str) -> ProbeEntry:
        return cls(kind, name, sha256_text(definition), definition)


@dataclass(frozen=True)
class Fingerprint:
    taken_at: str
    server: dict[str, Any]  # ServerIdentity.as_dict()
    rows_mode: str  # "exact" | "estimate" | "none"
    entries: tuple[ProbeEntry, ...]  # sorted by (kind, name)
    rows: dict[str, int]  # "schema.table" -> count (empty when rows_mode == "none")
    queries: dict[str, str | None]  # named read-only query -> its single value as text

    def without_schema(self, schema: str) -> Fingerprint:
        """This fingerprint without the objects of ``schema`` (apply leaves its own ledger out of comparisons)."""
        mark = f"{schema}."
        keep = tuple(
            e for e in self.entries if not (e.name == schema or e.name.startswith(mark) or f" {mark}" in e.name)
        )
        return Fingerprint(
            self.taken_at,
            self.server,
            self.rows_mode,
            keep,
            {k: v for k, v in self.rows.items() if not k.startswith(mark)},
            self.queries,
        )

    def counts(self) -> dict[str, int]:
        """Number of entries per kind, in kind order."""
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.kind] = out.get(e.kind, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "taken_at": self.taken_at,
            "server": dict(self.server),
            "rows_mode": self.rows_mode,
            "entries": [
                {"kind": e.kind, "name": e.name, "hash": e.hash, "definition": e.definition} for e in self.entries
            ],
            "rows": dict(self.rows),
            "queries": dict(self.queries),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        """Parse and re-check a fingerprint; :class:`BadInput` says which field is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BadInput(f'not a pgwarden fingerprint (expected "format": "{FORMAT}")')
        if data.get("version") != FORMAT_VERSION:
            raise BadInput(f"unsupported fingerprint version {data.get('version')!r}; expected {FORMAT_VERSION}")
        taken_at = _field(data, "taken_at", str)
        server = _field(data, "server", dict)
        rows_mode = _field(data, "rows_mode", str)
        if rows_mode not in ROWS_MODES:
            raise BadInput(f"field rows_mode: {rows_mode!r} is not one of {', '.join(ROWS_MODES)}")
        entries: list[ProbeEntry] = []
        for i, raw in enumerate(_field(data, "entries", list)):
            if not isinstance(raw, dict) or not all(
                isinstance(raw.get(k), str) for k in ("kind", "name", "hash", "definition")
            ):
                raise BadInput(f"entries[{i}]: needs string fields kind, name, hash, definition")
            entry = ProbeEntry(raw["kind"], raw["name"], raw["hash"], raw["definition"])
            if sha256_text(entry.definition) != entry.hash:
                raise BadInput(
                    f"entries[{i}] ({entry.kind} {entry.name}): hash does not match its "
                    "definition (the file was edited)"
                )
            entries.append(entry)
        rows = _field(data, "rows", dict)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in rows.values()):
            raise BadInput("field rows: every value must be an integer")
        queries = _field(data, "queries", dict)
        if not all(v is None or isinstance(v, str) for v in queries.values()):
            raise BadInput("field queries: every value must be a string or null")
        entries.sort(key=lambda e: (e.kind, e.name))
        return cls(taken_at, server, rows_mode, tuple(entries), rows, queries)


def _field(data: dict[str, Any], key: str, typ: type) -> Any:
    if key not in data:
        raise BadInput(f"missing field {key!r}")
    value = data[key]
    if not isinstance(value, typ):
        raise BadInput(f"field {key}: expected {typ.__name__}, got {type(value).__name__}")
    return value


# -- files --------------------------------------------------------------------------------------------
def dumps(fp: Fingerprint) -> str:
    """The file text: stable key order, one entry per line (readable and diff-friendly)."""
    data = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "taken_at": fp.taken_at,
        "server": fp.server,
        "rows_mode": fp.rows_mode,
        "rows": fp.rows,
        "queries": fp.queries,
    }
    head = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    enc = encode_basestring  # what json.dumps does for a str, without its per-call overhead
    lines = [
        f'{{"definition": {enc(e.definition)}, "hash": "{e.hash}", "kind": {enc(e.kind)}, "name": {enc(e.name)}}}'
        for e in fp.entries
    ]
    body = ",\n  ".join(lines)
    entries_text = f'"entries": [\n  {body}\n ]' if lines else '"entries": []'
    return head[:-2] + ",\n " + entries_text + "\n}\n"


def check_writable(path: Path) -> None:
    """Refuse, before anything runs, a target that is a directory or sits under a non-directory."""
    path = Path(path)
    if userfiles.exists(path) and path.is_dir():
        raise BadInput(f"{path}: is a directory; give a file name for the fingerprint")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise BadInput(f"{path}: cannot write the fingerprint there: {parent} is not a directory")
            return


def save(fp: Fingerprint, path: Path) -> None:
    """Write atomically (a temp file renamed into place), creating parent directories."""
    check_writable(path)
    write_text(Path(path), dumps(fp))


def write_text(path: Path, text: str) -> None:
    """Write an already-serialized fingerprint (see :func:`dumps`) atomically."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        make_private_dirs(path.parent)
        write_private(tmp, text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_full(exc, path) or BadInput(f"{path}: cannot write fingerprint: {exc.strerror}") from None


def load(path: Path) -> Fingerprint:
    """Read a fingerprint file; a missing or invalid file is :class:`BadInput` naming it."""
    path = Path(path)
    try:
        text = userfiles.read_bytes(path, "fingerprint file").decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a fingerprint file (not UTF-8 text)") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"{path}: invalid JSON: {exc}") from None
    except RecursionError:
        raise BadInput(f"{path}: invalid JSON: nested too deeply for a fingerprint") from None
    try:
        return Fingerprint.from_json(data)
    except BadInput as exc:
        raise BadInput(f"{path}: {exc.message}", details=exc.details) from None


# -- diff ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FingerprintDiff:
    added: tuple[ProbeEntry, ...]
    removed: tuple[ProbeEntry, ...]
    changed: tuple[tuple[ProbeEntry, ProbeEntry], ...]  # (before, after)
    rows_changed: tuple[tuple[str, int | None, int | None], ...]
    queries_changed: tuple[tuple[str, str | None, str | None], ...]
    notes: tuple[str, ...] = field(default=())  # informational; never makes a diff non-identical

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed or self.rows_changed or self.queries_changed)

    def changes(self) -> tuple[ObjectChange, ...]:
        """Every difference, structured: objects (sorted by kind and name), then row counts, then queries."""
        objects = [ObjectChange(ChangeSign.REMOVED, e.kind, e.name) for e in self.removed]
        objects += [ObjectChange(ChangeSign.ADDED, e.kind, e.name) for e in self.added]
        objects += [
            ObjectChange(ChangeSign.CHANGED, a.kind, a.name, explain(a.definition, b.definition))
            for a, b in self.changed
        ]
        out = sorted(objects, key=lambda c: (c.kind, c.name, c.line))
        out += [
            ObjectChange(ChangeSign.CHANGED, "rows", name, f"{_show(a)} -> {_show(b)}", _str(a), _str(b))
            for name, a, b in self.rows_changed
        ]
        out += [
            ObjectChange(
                ChangeSign.CHANGED,
                "query",
                name,
                f"{_show(a) if a is not None else 'NULL'} -> {_show(b) if b is not None else 'NULL'}",
                a,
                b,
            )
            for name, a, b in self.queries_changed
        ]
        return tuple(out)

    def lines(self) -> list[str]:
        """One readable line per difference: ``+``/``-``/``~ kind name[: why]``, then rows and queries."""
        return [c.line for c in self.changes()] + [f"note: {n}" for n in self.notes]

    def to_json(self) -> dict[str, Any]:
        def entry(e: ProbeEntry) -> dict[str, str]:
            return {"kind": e.kind, "name": e.name, "hash": e.hash, "definition": e.definition}

        return {
            "identical": self.identical,
            "added": [entry(e) for e in self.added],
            "removed": [entry(e) for e in self.removed],
            "changed": [
                {
                    "kind": a.kind,
                    "name": a.name,
                    "why": explain(a.definition, b.definition),
                    "before": entry(a),
                    "after": entry(b),
                }
                for a, b in self.changed
            ],
            "rows_changed": [{"table": n, "before": a, "after": b} for n, a, b in self.rows_changed],
            "queries_changed": [{"name": n, "before": a, "after": b} for n, a, b in self.queries_changed],
            "notes": list(self.notes),
            "lines": self.lines(),
        }


def diff_fingerprints(a: Fingerprint, b: Fingerprint) -> FingerprintDiff:
    """What changed from ``a`` to ``b``. Rows are compared only when both used the same rows mode,
    and named queries only when both ran them; anything not compared is listed as a note."""
    before = {(e.kind, e.name): e for e in a.entries}
    after = {(e.kind, e.name): e for e in b.entries}
    added = tuple(after[k] for k in sorted(after.keys() - before.keys()))
    removed = tuple(before[k] for k in sorted(before.keys() - after.keys()))
    changed = tuple(
        (before[k], after[k]) for k in sorted(before.keys() & after.keys()) if before[k].hash != after[k].hash
    )
    notes: list[str] = []
    rows_changed: list[tuple[str, int | None, int | None]] = []
    if a.rows_mode != b.rows_mode:
        notes.append(f"row counts not compared: rows mode {a.rows_mode} vs {b.rows_mode}")
    elif a.rows_mode != "none":
        for name in sorted(a.rows.keys() | b.rows.keys()):
            ra, rb = a.rows.get(name), b.rows.get(name)
            if ra != rb:
                rows_changed.append((name, ra, rb))
    queries_changed = [
        (n, a.queries[n], b.queries[n])
        for n in sorted(a.queries.keys() & b.queries.keys())
        if a.queries[n] != b.queries[n]
    ]
    only = sorted(a.queries.keys() ^ b.queries.keys())
    if only:
        notes.append(f"named queries not in both fingerprints, not compared: {', '.join(only)}")
    sa, sb = a.server.get("system_identifier"), b.server.get("system_identifier")
    if sa and sb and sa != sb:
        notes.append(f"fingerprints come from different clusters (system_identifier {sa} vs {sb})")
    da, db = a.server.get("database"), b.server.get("database")
    if da and db and da != db:
        notes.append(f"fingerprints come from different databases ({da} vs {db})")
    return FingerprintDiff(added, removed, changed, tuple(rows_changed), tuple(queries_changed), tuple(notes))


# -- explaining a change ------------------------------------------------------------------------------
_MAX = 60


def _str(v: int | None) -> str | None:
    return None if v is None else str(v)


def _show(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool | int | float):
        return json.dumps(v)
    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True)
    s = " ".join(s.split())
    return repr(s if len(s) <= _MAX else s[: _MAX - 3] + "...")


def _pair(a: str, b: str) -> str:
    """``'old' -> 'new'``, both cut to a window that starts a little before their first difference."""
    a, b = " ".join(a.split()), " ".join(b.split())
    same = 0
    while same < min(len(a), len(b)) and a[same] == b[same]:
        same += 1
    start = max(0, same - 20)
    if start:
        a, b = "..." + a[start:], "..." + b[start:]
    return f"{_show(a)} -> {_show(b)}"


def _explain_value(key: str, a: Any, b: Any) -> str:
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, str) for x in a + b):
        plus = [x for x in b if x not in a]
        minus = [x for x in a if x not in b]
        if plus or minus:
            return f"{key} " + " ".join([*(f"+{x}" for x in plus), *(f"-{x}" for x in minus)])
        return f"{key} reordered"
    if isinstance(a, str) and isinstance(b, str) and ("\n" in a or "\n" in b):
        la, lb = a.splitlines(), b.splitlines()
        for n, (x, y) in enumerate(zip(la, lb, strict=False), 1):
            if x != y:
                return f"{key} line {n}: {_pair(x, y)}"
        n = min(len(la), len(lb)) + 1
        return f"{key} line {n}: {len(la)} -> {len(lb)} lines"
    if isinstance(a, dict) and isinstance(b, dict):
        return "; ".join(
            _explain_value(f"{key}.{k}", a.get(k), b.get(k))
            for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)
        )
    if isinstance(a, str) and isinstance(b, str):
        return f"{key}: {_pair(a, b)}"
    return f"{key}: {_show(a)} -> {_show(b)}"


def explain(before: str, after: str) -> str:
    """A short reason why two definitions differ: the fields that changed, with old -> new."""
    try:
        a, b = json.loads(before), json.loads(after)
        if not isinstance(a, dict) or not isinstance(b, dict):
            return "definition changed"
        parts = [_explain_value(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]
    except (ValueError, RecursionError):  # a hand-made file can hold any definition text
        return "definition changed"
    text = "; ".join(parts) or "definition changed"
    return text if len(text) <= 240 else text[:237] + "..."


def diff_files(a_path: Path, b_path: Path) -> FingerprintDiff:
    """``pgwarden diff``: compare two fingerprint files (both are loaded and re-checked first)."""
    return diff_fingerprints(load(Path(a_path)), load(Path(b_path)))
