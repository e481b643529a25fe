"""Turning a read migration directory into a change package: bundles, [vars], waivers, IMPORT.md, the lock."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pgwarden.importing.model import Migration, Source, Tool
from pgwarden.importing.sql import Prepared, prepare, statements_of
from pgwarden.private import write_private
from pgwarden.rules import Rule

_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
_VERIFY_END = ("TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT")


@dataclass
class BundleSpec:
    id: str
    title: str
    apply: str
    origin: str
    from_file: str
    rollback: str | None = None
    reason: str | None = None
    transaction: bool = True
    verify: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Built:
    bundles: list[BundleSpec] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # empty files, and why
    split: list[str] = field(default_factory=list)  # each split file, its bundles and why
    stripped: list[str] = field(default_factory=list)
    transactions: list[str] = field(default_factory=list)  # transaction control beyond a wrapper, and its fate
    gexec: list[str] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)
    variables: dict[str, set[str]] = field(default_factory=dict)  # name -> files using it
    others: list[str] = field(default_factory=list)  # meta-commands kept (not supported)


def _toml(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def bundle_id(source: Source, m: Migration, taken: set[str]) -> str:
    if source.tool is Tool.SQITCH:
        base = m.key
    elif source.tool is Tool.FLYWAY:
        kind, _, version = m.key.partition(":")
        base = f"V{version}_{m.name}" if kind == "V" else f"R_{m.name}"
    else:
        base = f"{m.key}_{m.name}"
    out = _ID_BAD.sub("_", base).strip("_.-") or "m"
    if not out[0].isalnum():
        out = "m" + out
    out = out[:56]
    final, n = out, 2
    while final in taken:
        final, n = f"{out}_{n}", n + 1
    taken.add(final)
    return final


def _note(built: Built, p: Prepared, file: str) -> None:
    if p.stripped:
        built.stripped.append(f"{file}: {p.stripped}")
    if p.gexec:
        built.gexec.append(f"{file}: {p.gexec} \\gexec query(ies) became DO blocks")
    for v in p.variables:
        built.variables.setdefault(v, set()).add(file)
    built.others += [f"{file}: {m}" for m in p.others]


def build(source: Source) -> Built:
    built = Built()
    taken: set[str] = set()
    forward_only = {
        Tool.FLYWAY: "imported from Flyway, which is forward-only: no U undo script",
        Tool.GOLANG_MIGRATE: "imported from golang-migrate: no down migration",
        Tool.POPX: "imported from popx: no down migration",
        Tool.SQITCH: "imported from Sqitch: no revert",
    }
    for m in source.migrations:
        up = prepare(m.up, m.up_file, each_statement=m.autocommit)
        _note(built, up, m.up_file)
        if up.cut and len(up.parts) <= 1:  # a split lists them under Split files
            built.transactions.append(f"{m.up_file}: {'; '.join(up.transactions)}")
        if up.statements == 0 or (up.cut and not up.parts):
            why = (
                "no SQL statement (the work, if any, lives in application code)"
                if not up.cut
                else "nothing psql keeps (every statement is in a transaction that ends in ROLLBACK)"
                if up.statements == 0
                else "only session settings, which end with psql's session"
            )
            built.skipped.append(f"{m.up_file}: {why}; not a bundle")
            continue
        down = prepare(m.down, m.down_file or "down", join=True) if m.down is not None else None
        if down is not None:
            _note(built, down, m.down_file or "down")
            if down.cut:
                built.transactions.append(
                    f"{m.down_file}: joined into one rollback transaction (a rollback is one "
                    f"transaction): {'; '.join(down.transactions)}"
                )
        reason = None
        rollback_text = down.text if down is not None and down.statements else None
        if down is None:
            reason = forward_only[source.tool]
        elif not down.statements and down.cut:
            reason = f"the down migration {m.down_file} keeps nothing (its statements end in ROLLBACK)"
            built.skipped.append(f"{m.down_file}: nothing psql keeps; the bundle is forward-only")
        elif not down.statements:
            reason = f"the down migration {m.down_file} is empty (its work, if any, lives in application code)"
            built.skipped.append(f"{m.down_file}: no SQL statement; the bundle is forward-only")
        verify = None
        if m.verify is not None:
            v = prepare(m.verify, m.verify_file or "verify", wrapper_end=_VERIFY_END, join=True)
            _note(built, v, m.verify_file or "verify")
            if v.cut:
                built.transactions.append(
                    f"{m.verify_file}: joined into one verify script (it runs in one "
                    f"transaction, rolled back): {'; '.join(v.transactions)}"
                )
            if v.statements:
                verify = v.text
                built.verify.append(f"{m.verify_file}")
        bid = bundle_id(source, m, taken)
        origin = f"{source.tool}:{m.key}"
        title = m.name if len(m.name) <= 200 else m.name[:197] + "..."
        parts: list[tuple[str, bool]] = [(p.text, p.transaction) for p in up.parts]
        if not parts and m.autocommit and up.statements > 1:
            parts = [(s + ";\n", True) for s in statements_of(up.text, m.up_file)]
        if len(parts) <= 1:
            text, txn = parts[0] if parts else (up.text, not up.no_transaction)
            spec = BundleSpec(bid, title, text, origin, m.up_file, rollback_text, reason, txn, verify)
            if not txn:
                spec.notes.append("cannot run in a transaction block: transaction = false")
            built.bundles.append(spec)
            continue
        whys = []
        if up.cut:
            whys.append("cut where psql commits: " + "; ".join(up.transactions))
        if up.no_transaction:
            whys.append(f"{len(up.no_transaction)} statement(s) that cannot run in a transaction block")
        if m.autocommit and not whys:
            whys.append(".autocommit. (popx runs it outside a transaction)")
        taken.discard(bid)
        ids = []
        for i, (text, txn) in enumerate(parts, 1):
            pid = f"{bid[:52]}.{i}"
            taken.add(pid)
            ids.append(pid)
            last = i == len(parts)
            spec = BundleSpec(
                pid,
                f"{title} (part {i} of {len(parts)})",
                text,
                origin,
                m.up_file,
                rollback_text if last else None,
                reason
                if last
                else f"part {i} of {len(parts)} of {m.up_file}: the whole migration's rollback is the last part's",
                txn,
                verify if last else None,
            )
            if last and rollback_text is None and reason is None:
                spec.reason = forward_only[source.tool]
            built.bundles.append(spec)
        built.split.append(f"{m.up_file}: {len(parts)} bundles {', '.join(ids)} ({'; and '.join(whys)})")
    return built


def write_package(
    built: Built,
    source: Source,
    out: Path,
    variables: dict[str, str],
    waivers: list[tuple[str, Rule, str]],
    secrets: dict[str, str] | None = None,
) -> None:
    """Write (or rewrite) the SQL files and pgwarden.toml of the package at ``out``; ``secrets`` maps a variable
    to the environment variable holding its value (the value is never written)."""
    (out / "bundles").mkdir(parents=True, exist_ok=True, mode=0o700)
    toml = [
        "# Written by pgwarden import; IMPORT.md lists every decision.",
        "[package]",
        f"name = {_toml(_ID_BAD.sub('_', source.project) or 'imported')}",
        f"description = {_toml(f'imported from {source.tool} ({len(built.bundles)} bundles)')}",
        "",
    ]
    entries = {name: _toml(value) for name, value in variables.items()}
    entries |= {name: f"{{ env = {_toml(env)}, secret = true }}" for name, env in (secrets or {}).items()}
    if entries:
        toml += ["[vars]", *(f"{name} = {entry}" for name, entry in sorted(entries.items())), ""]
    for b in built.bundles:
        apply_rel = f"bundles/{b.id}.sql"
        write_private(out / apply_rel, b.apply.encode("utf-8"))
        toml += ["[[bundle]]", f"id = {_toml(b.id)}", f"title = {_toml(b.title)}", f"apply = {_toml(apply_rel)}"]
        if b.rollback is not None:
            rb_rel = f"bundles/{b.id}.rollback.sql"
            write_private(out / rb_rel, b.rollback.encode("utf-8"))
            toml.append(f"rollback = {_toml(rb_rel)}")
        else:
            toml += ['rollback = "none"', f"reason = {_toml(b.reason or 'forward-only')}"]
        if not b.transaction:
            toml.append("transaction = false")
        if b.verify is not None:
            (out / "verify").mkdir(exist_ok=True, mode=0o700)
            v_rel = f"verify/{b.id}.sql"
            write_private(out / v_rel, b.verify.encode("utf-8"))
            toml.append(f"verify = {_toml(v_rel)}")
        toml += [f"origin = {_toml(b.origin)}", ""]
    for bundle, rule, reason in waivers:
        toml += ["[[waiver]]", f"bundle = {_toml(bundle)}", f"rule = {_toml(rule)}", f"reason = {_toml(reason)}", ""]
    write_private(out / "pgwarden.toml", "\n".join(toml).encode("utf-8"))
