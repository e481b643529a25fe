"""``pgwarden import FORMAT DIR OUT``: the package, locked, that passes ``check``, and IMPORT.md.

Historical migrations that break a rule (a revert that drops what another migration made) cannot be
edited: each error finding becomes a ``[[waiver]]`` of that bundle and rule, with the finding as its
reason, listed in IMPORT.md, so the package passes ``check`` and the record of why stays beside it.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class ImportResult:
    tool: str
    source: str
    package: str
    verdict: Verdict                 # PASS: the package passes check
    bundles: int
    skipped: tuple[str, ...]
    split: tuple[str, ...]
    stripped: tuple[str, ...]
    gexec: tuple[str, ...]
    verify: tuple[str, ...]
    variables: tuple[str, ...]
    waivers: tuple[str, ...]
    errors: int = 0                  # check's errors left (0 when PASS)


def import_migrations(tool: str, source_dir: Path, out: Path, *, variables: dict[str, str] | None = None,
                      reporter: Reporter = SILENT) -> ImportResult:
    from pgwarden.package.check import check  # the package checks itself once written

    try:
        kind = Tool(tool)
    except ValueError:
        raise BadInput(f"unknown format {tool!r}; expected one of {', '.join(t.value for t in Tool)}") from None
    if not source_dir.is_dir():
        raise BadInput(f"{source_dir}: not a directory")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"{out}: exists and is not an empty directory; give a new OUT")
    source = READERS[kind](source_dir)
    built = build(source)
    if not built.bundles:
        raise BadInput(f"{source_dir}: no {kind} migration with SQL in it")
    values = {**source.variables, **(variables or {})}
    missing = sorted(set(built.variables) - set(values))
    if missing:
        raise BadInput(f"{source_dir}: psql variable(s) {', '.join(':' + m for m in missing)} used but given no "
                       f"value: pass --var {missing[0]}=VALUE" + (" or set it in sqitch.conf [deploy \"variables\"]"
                                                                 if kind is Tool.SQITCH else ""))
    used = {k: v for k, v in values.items() if k in built.variables}
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    reporter.step(f"import {kind}: {len(built.bundles)} bundle(s) from {len(source.migrations)} migration(s)")
    waivers: list[tuple[str, str, str]] = []
    result = None
    for _ in range(3):   # write, check, waive what history cannot change, check again
        write_package(built, source, out, used, waivers)
        lock(out)
        result = check(out, write_kit=False)
        errors = [(f, f.bundle) for f in result.findings if f.is_error and f.bundle]
        if not errors:
            break
        seen = {(b, r) for b, r, _ in waivers}
        for f, bundle in errors:
            if bundle is not None and (bundle, f.rule) not in seen:
                seen.add((bundle, f.rule))
                origin = next(b.origin for b in built.bundles if b.id == bundle)
                waivers.append((bundle, f.rule, f"historical migration {origin}, imported unchanged: {f.message} "
                                                f"({f.location})"))
    assert result is not None
    _import_md(out, source, built, used, waivers, source_dir)
    lock(out)
    final = check(out, write_kit=False)
    return ImportResult(str(kind), str(source_dir), str(out), final.verdict, len(built.bundles),
                        tuple(built.skipped), tuple(built.split), tuple(built.stripped), tuple(built.gexec),
                        tuple(built.verify), tuple(sorted(used)), tuple(f"{b}: {r}" for b, r, _ in waivers),
                        final.errors)


def _section(title: str, items: list[str], empty: str) -> list[str]:
    return [f"## {title}", "", *([f"- {i}" for i in items] if items else [empty]), ""]


def _import_md(out: Path, source: Source, built: Built, values: dict[str, str], waivers: list[tuple[str, str, str]],
               source_dir: Path) -> None:
    lines = [f"# Imported from {source.tool}", "",
             f"Source: `{source_dir}` ({len(source.migrations)} migrations); package `{out.name}` with "
             f"{len(built.bundles)} bundles. Every decision pgwarden made is listed below; the SQL of each bundle is "
             "the migration's own, except where a section says otherwise.", "",
             *_section("Ordering", list(source.decisions), "the tool's order"),
             "## Bundles", "", md_table(("bundle", "from", "origin (ledger adoption)", "transaction", "rollback",
                                         "verify"),
                                        [(b.id, b.from_file, b.origin, "yes" if b.transaction else "no",
                                          "yes" if b.rollback is not None else f"none: {b.reason}",
                                          "yes" if b.verify else "") for b in built.bundles]), "",
             *_section("Skipped empty files", built.skipped, "none"),
             *_section("Split files (statements that cannot share a transaction)", built.split, "none"),
             *_section("Transaction wrappers stripped (found by PostgreSQL's parser)", built.stripped, "none"),
             *_section("psql \\gexec turned into DO blocks", built.gexec, "none"),
             *_section("Verify scripts mapped (run after their bundle, in a rolled-back transaction)", built.verify,
                       "none"),
             *_section("Variables found ([vars]; values pinned by sha256 in every kit)",
                       [f":{n} = {values.get(n, '?')!r}, used in {', '.join(sorted(built.variables[n]))}"
                        for n in sorted(built.variables)], "none"),
             *_section("Waivers (historical migrations that break a rule and cannot be edited)",
                       [f"{b} {r}: {why}" for b, r, why in waivers], "none"),
             *_section("psql meta-commands left as they are (not supported: edit by hand)", built.others, "none")]
    if source.tool is Tool.SQITCH:
        def dep(d: str) -> str:   # sqitch-plan(5): "!name" is a conflict, "project:name" another project's change
            return f"conflicts with {d[1:]}" if d.startswith("!") else \
                f"{d} (another project: not checked here)" if ":" in d else d
        deps = [f"{m.key} requires {', '.join(dep(d) for d in m.requires)}" for m in source.migrations if m.requires]
        lines += _section("Sqitch dependencies (those of this project are satisfied by the plan order)", deps, "none")
    write_private(out / "IMPORT.md", "\n".join(lines).encode("utf-8"))
