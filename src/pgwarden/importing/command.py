"""``pgwarden import FORMAT DIR OUT``: the package, locked, that passes ``check``, and IMPORT.md.

Historical migrations that break a rule (a revert that drops what another migration made) cannot be
edited: each error finding becomes a ``[[waiver]]`` of that bundle and rule, with the finding as its
reason, listed in IMPORT.md, so the package passes ``check`` and the record of why stays beside it.
Transaction control is never waived: the files are cut where psql commits
(:mod:`pgwarden.importing.transactions`), and what is left (a ``COMMIT`` inside a ``DO`` block) is bad input.

Variables: ``variables`` are values (written to ``[vars]``, as sqitch.conf's are); ``secret_variables`` name
the environment variable that holds each secret's value: the manifest gets ``{ env = "…", secret = true }``,
the value is read only by the check of the written package, and it is written nowhere.
Bad input found after OUT was created leaves OUT as it was (removed, or empty again).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pgwarden.errors import BadInput
from pgwarden.evidence.gates import Verdict
from pgwarden.evidence.markdown import md_table
from pgwarden.importing.model import Source, Tool
from pgwarden.importing.readers import READERS
from pgwarden.importing.write import Built, build, write_package
from pgwarden.package.lock import lock
from pgwarden.private import write_private
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_text
from pgwarden.rules import Rule

NEVER_WAIVED = frozenset({Rule.TXN_CONTROL})  # the package would run differently from the migration: refuse


@dataclass(frozen=True)
class ImportResult:
    tool: str
    source: str
    package: str
    verdict: Verdict  # PASS: the package passes check
    bundles: int
    skipped: tuple[str, ...]
    split: tuple[str, ...]
    stripped: tuple[str, ...]
    transactions: tuple[str, ...]
    gexec: tuple[str, ...]
    verify: tuple[str, ...]
    variables: tuple[str, ...]
    waivers: tuple[str, ...]
    errors: int = 0  # check's errors left (0 when PASS)


def _secrets(secret_variables: Mapping[str, str]) -> dict[str, str]:
    """name -> its value, from the environment variable each secret names; bad input when one is not set."""
    out = {}
    for name, env in sorted(secret_variables.items()):
        if env not in os.environ:
            raise BadInput(
                f"--secret-var {name}={env}: environment variable {env} is not set; export it before "
                "import (its value is read to check the package, and written nowhere)"
            )
        out[name] = os.environ[env]
    return out


def import_migrations(
    tool: str,
    source_dir: Path,
    out: Path,
    *,
    variables: Mapping[str, str] | None = None,
    secret_variables: Mapping[str, str] | None = None,
    reporter: Reporter = SILENT,
) -> ImportResult:
    try:
        kind = Tool(tool)
    except ValueError:
        raise BadInput(f"unknown format {tool!r}; expected one of {', '.join(t.value for t in Tool)}") from None
    if not source_dir.is_dir():
        raise BadInput(f"{source_dir}: not a directory")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"{out}: exists and is not an empty directory; give a new OUT")
    secrets = dict(secret_variables or {})
    secret_values = _secrets(secrets)
    source = READERS[kind](source_dir)
    built = build(source)
    if not built.bundles:
        raise BadInput(f"{source_dir}: no {kind} migration with SQL in it")
    values = {k: v for k, v in {**source.variables, **(variables or {})}.items() if k not in secrets}
    missing = sorted(set(built.variables) - set(values) - set(secrets))
    if missing:
        raise BadInput(
            f"{source_dir}: psql variable(s) {', '.join(':' + m for m in missing)} used but given no "
            f"value: pass --var {missing[0]}=VALUE (or --secret-var {missing[0]}=ENVVAR)"
            + (' or set it in sqitch.conf [deploy "variables"]' if kind is Tool.SQITCH else "")
        )
    used = {k: v for k, v in values.items() if k in built.variables}
    used_secrets = {k: env for k, env in secrets.items() if k in built.variables}
    scrub = tuple(v for k, v in secret_values.items() if k in used_secrets and v)
    existed = out.exists()
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        return _write(kind, source_dir, out, source, built, used, used_secrets, scrub, reporter)
    except BaseException:
        _undo(out, existed)
        raise


def _undo(out: Path, existed: bool) -> None:
    """OUT as it was: removed, or (given empty) emptied again."""
    if not existed:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _write(
    kind: Tool,
    source_dir: Path,
    out: Path,
    source: Source,
    built: Built,
    used: dict[str, str],
    used_secrets: dict[str, str],
    scrub: tuple[str, ...],
    reporter: Reporter,
) -> ImportResult:
    from pgwarden.check.check import check  # the package checks itself once written

    reporter.step(f"import {kind}: {len(built.bundles)} bundle(s) from {len(source.migrations)} migration(s)")
    waivers: list[tuple[str, Rule, str]] = []  # (bundle, rule, reason): rules of real findings only
    for _ in range(3):  # write, check, waive what history cannot change, check again
        write_package(built, source, out, used, waivers, used_secrets)
        lock(out)
        result = check(out, write_kit=False)
        errors = [f for f in result.findings if f.is_error and f.bundle]
        refused = [f for f in errors if f.rule in NEVER_WAIVED]
        if refused:
            f = refused[0]
            spec = next(b for b in built.bundles if b.id == f.bundle)
            raise BadInput(
                redact_text(
                    f"{spec.from_file}: {f.message} ({f.location}, bundle {f.bundle}): "
                    "pgwarden import never waives transaction control; edit the migration",
                    scrub,
                )
            )
        if not errors:
            break
        seen = {(b, r) for b, r, _ in waivers}
        for f in errors:
            if f.bundle is not None and (f.bundle, f.rule) not in seen:
                seen.add((f.bundle, f.rule))
                origin = next(b.origin for b in built.bundles if b.id == f.bundle)
                waivers.append(
                    (
                        f.bundle,
                        f.rule,
                        redact_text(
                            f"historical migration {origin}, imported unchanged: {f.message} ({f.location})", scrub
                        ),
                    )
                )
    _import_md(out, source, built, used, used_secrets, waivers, source_dir, scrub)
    lock(out)
    final = check(out, write_kit=False)
    return ImportResult(
        str(kind),
        str(source_dir),
        str(out),
        final.verdict,
        len(built.bundles),
        tuple(built.skipped),
        tuple(built.split),
        tuple(built.stripped),
        tuple(built.transactions),
        tuple(built.gexec),
        tuple(built.verify),
        tuple(sorted({*used, *used_secrets})),
        tuple(f"{b}: {r}" for b, r, _ in waivers),
        final.errors,
    )


def _section(title: str, items: list[str], empty: str) -> list[str]:
    return [f"## {title}", "", *([f"- {i}" for i in items] if items else [empty]), ""]


def _variable(name: str, values: dict[str, str], secrets: dict[str, str]) -> str:
    if name in secrets:
        return f":{name} = secret, from environment variable {secrets[name]} (never written)"
    return f":{name} = {values.get(name, '?')!r}"


def _import_md(
    out: Path,
    source: Source,
    built: Built,
    values: dict[str, str],
    secrets: dict[str, str],
    waivers: list[tuple[str, Rule, str]],
    source_dir: Path,
    scrub: tuple[str, ...],
) -> None:
    lines = [
        f"# Imported from {source.tool}",
        "",
        f"Source: `{source_dir}` ({len(source.migrations)} migrations); package `{out.name}` with "
        f"{len(built.bundles)} bundles. Every decision pgwarden made is listed below; the SQL of each bundle is "
        "the migration's own, except where a section says otherwise.",
        "",
        *_section("Ordering", list(source.decisions), "the tool's order"),
        "## Bundles",
        "",
        md_table(
            ("bundle", "from", "origin (ledger adoption)", "transaction", "rollback", "verify"),
            [
                (
                    b.id,
                    b.from_file,
                    b.origin,
                    "yes" if b.transaction else "no",
                    "yes" if b.rollback is not None else f"none: {b.reason}",
                    "yes" if b.verify else "",
                )
                for b in built.bundles
            ],
        ),
        "",
        *_section("Skipped empty files", built.skipped, "none"),
        *_section(
            "Split files (each part a bundle of its own: transaction boundaries where psql commits, or "
            "statements that cannot share a transaction; the rollback goes with the last part)",
            built.split,
            "none",
        ),
        *_section("Transaction wrappers stripped (found by PostgreSQL's parser)", built.stripped, "none"),
        *_section(
            "Transaction control (found by PostgreSQL's parser; mirrored as psql runs the file, never "
            "waived; files it split are under Split files)",
            built.transactions,
            "none",
        ),
        *_section("psql \\gexec turned into DO blocks", built.gexec, "none"),
        *_section("Verify scripts mapped (run after their bundle, in a rolled-back transaction)", built.verify, "none"),
        *_section(
            "Variables found ([vars]; values pinned by sha256 in every kit)",
            [
                f"{_variable(n, values, secrets)}, used in {', '.join(sorted(built.variables[n]))}"
                for n in sorted(built.variables)
            ],
            "none",
        ),
        *_section(
            "Waivers (historical migrations that break a rule and cannot be edited)",
            [f"{b} {r}: {why}" for b, r, why in waivers],
            "none",
        ),
        *_section("psql meta-commands left as they are (not supported: edit by hand)", built.others, "none"),
    ]
    if source.tool is Tool.SQITCH:

        def dep(d: str) -> str:  # sqitch-plan(5): "!name" is a conflict, "project:name" another project's change
            return (
                f"conflicts with {d[1:]}"
                if d.startswith("!")
                else f"{d} (another project: not checked here)"
                if ":" in d
                else d
            )

        deps = [f"{m.key} requires {', '.join(dep(d) for d in m.requires)}" for m in source.migrations if m.requires]
        lines += _section("Sqitch dependencies (those of this project are satisfied by the plan order)", deps, "none")
    write_private(out / "IMPORT.md", redact_text("\n".join(lines), scrub).encode("utf-8"))
