"""One reader per tool: its directory layout and its ordering rules, from its own documentation and code.

- Sqitch (sqitch.org, sqitch-plan(5)): ``sqitch.plan`` lists changes in deploy order, ``name [deps] date
  planner <email> # note``; tags (``@v1``) mark points; a change planned again after a tag is a rework,
  whose earlier scripts are ``deploy/name@tag.sql``. Scripts: ``deploy/``, ``revert/``, ``verify/``.
  Variables: ``sqitch.conf`` ``[deploy "variables"]`` or ``[core "variables"]``. Dependencies are checked as
  Sqitch checks them (:mod:`pgwarden.importing.dependencies`).
- Flyway (documentation, "Migrations"): versioned ``V<version>__<description>.sql`` in version order
  (parts split on ``.`` or ``_``, compared as numbers), then repeatable ``R__<description>.sql`` ordered by
  description; ``U<version>__`` undo scripts (Teams) are the rollbacks. Placeholders ``${name}`` are replaced
  as Flyway replaces them, from ``flyway.conf`` (``flyway.placeholders.name=value``).
- golang-migrate (MIGRATIONS.md): ``<version>_<title>.up.sql`` / ``.down.sql``, versions compared as
  integers; the ``V0001.title.up.sql`` variant too.
- popx (ory/x popx): ``<version>_<name>[.<dialect>][.autocommit].(up|down).sql``; for PostgreSQL a
  ``.postgres.`` (``.postgresql.``, ``.pg.``) file wins over the dialect-less one, other dialects are ignored;
  ``.autocommit.`` runs outside a transaction; versions ordered as text, as popx orders them.

Every file is opened through :class:`~pgwarden.importing.paths.Tree`: nothing outside DIR is read. File names
are read by :mod:`pgwarden.importing.names`.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from pgwarden.errors import BadInput
from pgwarden.importing import dependencies, names
from pgwarden.importing.dependencies import PlanItem
from pgwarden.importing.model import Migration, Source, Tool
from pgwarden.importing.paths import Tree


def _read(path: Path, rel: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{rel}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{rel}: not UTF-8") from None


def _file(tree: Tree, rel: str, *, named_by: str = "") -> str:
    return _read(tree.path(rel, named_by=named_by), rel)


def _maybe(tree: Tree, rel: str, *, named_by: str = "") -> str | None:
    path = tree.path(rel, named_by=named_by)
    return _read(path, rel) if path.is_file() else None


# -- Sqitch ---------------------------------------------------------------------------------------------
_PLAN_CHANGE = re.compile(
    r"^(?P<name>[^\s@:#\[\]]+)(?:\s+\[(?P<deps>[^\]]*)\])?\s+\S+\s+[^<]*<[^>]*>"
    r"(?:\s*#\s?(?P<note>.*))?$"
)
_PLAN_TAG = re.compile(r"^@(?P<tag>\S+)\s")


def read_sqitch(root: Path) -> Source:
    tree = Tree.of(root)
    text = _file(tree, "sqitch.plan")
    project = ""
    decisions = ["order: sqitch.plan, top to bottom (Sqitch's deploy order)"]
    entries: list[tuple[str, tuple[str, ...], str, list[str], int]] = []  # name, deps, note, tags after, line
    items: list[PlanItem] = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("%"):
            key, _, value = s[1:].partition("=")
            if key.strip() == "project":
                project = value.strip()
            continue
        tag = _PLAN_TAG.match(s)
        if tag:
            for e in entries:
                e[3].append(tag.group("tag"))
            items.append(PlanItem(n, tag=tag.group("tag")))
            continue
        m = _PLAN_CHANGE.match(s)
        if m is None:
            raise BadInput(
                f"sqitch.plan:{n}: not a Sqitch plan line: expected 'name [deps] date planner <email> # note'"
            )
        deps = tuple(d for d in (m.group("deps") or "").split() if d)
        entries.append((m.group("name"), deps, (m.group("note") or "").strip(), [], n))
        items.append(PlanItem(n, change=m.group("name"), requires=deps))
    dependencies.check(items, project or root.name, "sqitch.plan")
    names_ = [e[0] for e in entries]
    out = []
    for i, (name, deps, note, tags_after, plan_line) in enumerate(entries):
        reworked = name in names_[i + 1 :]
        stem = f"{name}@{tags_after[0]}" if reworked and tags_after else name
        if reworked:
            decisions.append(f"{name} is reworked later in the plan: this occurrence uses {stem}.sql")
        named_by = f"sqitch.plan:{plan_line} plans change {name}"
        up_file, down, verify = f"deploy/{stem}.sql", f"revert/{stem}.sql", f"verify/{stem}.sql"
        up_text = _file(tree, up_file, named_by=named_by)
        down_text = _maybe(tree, down, named_by=named_by)
        verify_text = _maybe(tree, verify, named_by=named_by)
        out.append(
            Migration(
                stem if reworked else name,
                note or name,
                up_text,
                up_file,
                down_text,
                down if down_text is not None else None,
                verify_text,
                verify if verify_text is not None else None,
                requires=deps,
                note=note,
            )
        )
    variables: dict[str, str] = {}
    conf = _maybe(tree, "sqitch.conf")
    if conf is not None:
        cp = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            cp.read_string(conf)
        except configparser.Error as exc:
            raise BadInput(f"sqitch.conf: {' '.join(str(exc).split())}") from None
        for section in ('core "variables"', 'deploy "variables"'):
            if cp.has_section(section):
                variables.update(dict(cp.items(section)))
        if variables:
            decisions.append(f"variables from sqitch.conf: {', '.join(sorted(variables))}")
    return Source(Tool.SQITCH, project or root.name, tuple(out), variables, tuple(decisions))


# -- Flyway ---------------------------------------------------------------------------------------------
def read_flyway(root: Path) -> Source:
    tree = Tree.of(root)
    placeholders: dict[str, str] = {}
    decisions = [
        "order: versioned migrations by version (numeric parts), then repeatable ones by description (Flyway's order)",
        'Flyway is forward-only: versioned migrations without a U undo script are imported with rollback = "none"',
    ]
    conf = _maybe(tree, "flyway.conf")
    for line in (conf or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().startswith("flyway.placeholders."):
            placeholders[key.strip().removeprefix("flyway.placeholders.")] = value.strip()
    versioned: dict[tuple[int, ...], tuple[names.FlywayName, str, Path]] = {}
    undo: dict[tuple[int, ...], tuple[str, Path]] = {}
    repeatable: list[tuple[str, str, Path]] = []
    for rel, path in tree.files("*.sql", recursive=True):
        fn = names.flyway(rel, path.name)
        if fn is None:
            decisions.append(f"ignored {rel}: not a Flyway migration name")
            continue
        if fn.kind == "R":
            repeatable.append((fn.description, rel, path))
        elif fn.kind == "U":
            undo[fn.key] = (rel, path)
        elif fn.key in versioned:
            raise BadInput(
                f"{rel}: version {fn.version} is also {versioned[fn.key][1]}; Flyway refuses duplicate versions"
            )
        else:
            versioned[fn.key] = (fn, rel, path)
    out = []

    def text(rel: str, path: Path) -> str:
        body = _read(path, rel)
        for name, value in placeholders.items():
            body = body.replace("${" + name + "}", value)  # textual, as Flyway replaces them
        left = re.search(r"\$\{([A-Za-z0-9_.]+)\}", body)
        if left:
            raise BadInput(
                f"{rel}: Flyway placeholder ${{{left.group(1)}}} has no value: set "
                f"flyway.placeholders.{left.group(1)} in flyway.conf"
            )
        return body

    for vkey in sorted(versioned):
        fn, rel, path = versioned[vkey]
        u = undo.get(vkey)
        out.append(
            Migration(
                f"V:{fn.version}", fn.description, text(rel, path), rel, text(*u) if u else None, u[0] if u else None
            )
        )
    for desc, rel, path in sorted(repeatable):
        out.append(Migration(f"R:{desc}", desc, text(rel, path), rel))
    if placeholders:
        decisions.append(f"placeholders replaced from flyway.conf: {', '.join(sorted(placeholders))}")
    return Source(Tool.FLYWAY, root.name, tuple(out), {}, tuple(decisions))


# -- golang-migrate -------------------------------------------------------------------------------------
def read_golang_migrate(root: Path) -> Source:
    tree = Tree.of(root)
    found: dict[int, dict[str, Path]] = {}
    titles: dict[int, str] = {}
    decisions = ["order: version, as an integer (golang-migrate's order)"]
    for rel, path in tree.files("*.sql"):
        gn = names.golang_migrate(rel)
        if gn is None:
            decisions.append(f"ignored {rel}: not a golang-migrate migration name")
            continue
        if gn.direction in found.setdefault(gn.version, {}):
            raise BadInput(f"{rel}: version {gn.version} has two {gn.direction} files; golang-migrate refuses that")
        found[gn.version][gn.direction] = path
        titles[gn.version] = gn.title
    out = []
    for v in sorted(found):
        files = found[v]
        if "up" not in files:
            raise BadInput(f"{files['down'].name}: version {v} has a down file but no up file")
        down = files.get("down")
        out.append(
            Migration(
                str(v),
                titles[v].replace("_", " "),
                _read(files["up"], files["up"].name),
                files["up"].name,
                _read(down, down.name) if down else None,
                down.name if down else None,
            )
        )
    return Source(Tool.GOLANG_MIGRATE, root.name, tuple(out), {}, tuple(decisions))


# -- popx -----------------------------------------------------------------------------------------------
def read_popx(root: Path) -> Source:
    tree = Tree.of(root)
    chosen: dict[str, dict[str, tuple[Path, bool, bool, str]]] = {}  # version -> dir -> (path, specific, auto, name)
    decisions = [
        "order: version as text (popx compares versions as strings), one migration per version",
        "dialect: a .postgres. file wins over the dialect-less one; other dialects are ignored",
    ]
    ignored = 0
    for rel, path in tree.files("*.sql"):
        pn = names.popx(rel)
        if pn is None:
            decisions.append(f"ignored {rel}: not a popx migration name")
            continue
        if pn.dialect not in (None, "postgres"):
            ignored += 1
            continue
        slot = chosen.setdefault(pn.version, {})
        had = slot.get(pn.direction)
        if had is not None and had[3] != pn.name:
            raise BadInput(
                f"{rel}: version {pn.version} is also {had[0].name}: popx keys migrations by version "
                "alone and would run only one of them; give each its own version"
            )
        if had is None or (pn.dialect == "postgres" and not had[1]):
            slot[pn.direction] = (path, pn.dialect == "postgres", pn.autocommit, pn.name)
    if ignored:
        decisions.append(f"ignored {ignored} file(s) of other dialects (cockroach, mysql, sqlite3)")
    out = []
    for v in sorted(chosen):
        slot = chosen[v]
        if "up" not in slot:
            raise BadInput(f"{slot['down'][0].name}: migration {v} has a down file but no up file")
        up, _spec, auto, name = slot["up"]
        down = slot.get("down")
        out.append(
            Migration(
                v,
                name.replace("_", " "),
                _read(up, up.name),
                up.name,
                _read(down[0], down[0].name) if down else None,
                down[0].name if down else None,
                autocommit=auto,
            )
        )
    return Source(Tool.POPX, root.name, tuple(out), {}, tuple(decisions))


READERS = {
    Tool.SQITCH: read_sqitch,
    Tool.FLYWAY: read_flyway,
    Tool.GOLANG_MIGRATE: read_golang_migrate,
    Tool.POPX: read_popx,
}
