"""One reader per tool: its directory layout and its ordering rules, from its own documentation.

- Sqitch (sqitch.org, sqitch-plan(5)): ``sqitch.plan`` lists changes in deploy order, ``name [deps] date
  planner <email> # note``; tags (``@v1``) mark points; a change planned again after a tag is a rework,
  whose earlier scripts are ``deploy/name@tag.sql``. Scripts: ``deploy/``, ``revert/``, ``verify/``.
  Variables: ``sqitch.conf`` ``[deploy "variables"]`` or ``[core "variables"]``.
- Flyway (documentation, "Migrations"): versioned ``V<version>__<description>.sql`` in version order
  (parts split on ``.`` or ``_``, compared as numbers), then repeatable ``R__<description>.sql`` ordered by
  description; ``U<version>__`` undo scripts (Teams) are the rollbacks. Placeholders ``${name}`` are replaced
  as Flyway replaces them, from ``flyway.conf`` (``flyway.placeholders.name=value``).
- golang-migrate (MIGRATIONS.md): ``<version>_<title>.up.sql`` / ``.down.sql``, versions compared as
  unsigned integers; the ``V0001.title.up.sql`` variant too.
- popx (ory/x popx): ``<version>_<name>[.<dialect>][.autocommit].(up|down).sql``; for PostgreSQL a
  ``.postgres.`` file wins over the dialect-less one, other dialects are ignored; ``.autocommit.`` runs outside
  a transaction; versions ordered as numbers.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from pgwarden.errors import BadInput
from pgwarden.importing.model import Migration, Source, Tool


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8") from None


def _maybe(path: Path) -> str | None:
    return _read(path) if path.is_file() else None


# -- Sqitch ---------------------------------------------------------------------------------------------
_PLAN_CHANGE = re.compile(r"^(?P<name>[^\s@:#\[\]]+)(?:\s+\[(?P<deps>[^\]]*)\])?\s+\S+\s+[^<]*<[^>]*>"
                          r"(?:\s*#\s?(?P<note>.*))?$")
_PLAN_TAG = re.compile(r"^@(?P<tag>\S+)\s")


def read_sqitch(root: Path) -> Source:
    plan = root / "sqitch.plan"
    text = _read(plan)
    project = ""
    decisions = ["order: sqitch.plan, top to bottom (Sqitch's deploy order)"]
    entries: list[tuple[str, tuple[str, ...], str, list[str]]] = []   # name, deps, note, tags after it
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
            continue
        m = _PLAN_CHANGE.match(s)
        if m is None:
            raise BadInput(f"{plan}:{n}: not a Sqitch plan line: expected 'name [deps] date planner <email> # note'")
        deps = tuple(d for d in (m.group("deps") or "").split() if d)
        entries.append((m.group("name"), deps, (m.group("note") or "").strip(), []))
    names = [e[0] for e in entries]
    out = []
    for i, (name, deps, note, tags_after) in enumerate(entries):
        reworked = name in names[i + 1:]
        stem = f"{name}@{tags_after[0]}" if reworked and tags_after else name
        if reworked:
            decisions.append(f"{name} is reworked later in the plan: this occurrence uses {stem}.sql")
        up_file = f"deploy/{stem}.sql"
        down, verify = f"revert/{stem}.sql", f"verify/{stem}.sql"
        out.append(Migration(stem if reworked else name, note or name, _read(root / up_file), up_file,
                             _maybe(root / down), down if (root / down).is_file() else None,
                             _maybe(root / verify), verify if (root / verify).is_file() else None,
                             requires=deps, note=note))
    variables: dict[str, str] = {}
    conf = root / "sqitch.conf"
    if conf.is_file():
        cp = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            cp.read_string(_read(conf))
        except configparser.Error as exc:
            raise BadInput(f"{conf}: {exc}") from None
        for section in ('core "variables"', 'deploy "variables"'):
            if cp.has_section(section):
                variables.update(dict(cp.items(section)))
        if variables:
            decisions.append(f"variables from sqitch.conf: {', '.join(sorted(variables))}")
    return Source(Tool.SQITCH, project or root.name, tuple(out), variables, tuple(decisions))


# -- Flyway ---------------------------------------------------------------------------------------------
_FLYWAY = re.compile(r"^(?P<kind>[VUR])(?P<version>[0-9][0-9._]*)?__(?P<desc>.+)\.sql$")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.split(r"[._]", version) if p != "")


def read_flyway(root: Path) -> Source:
    placeholders: dict[str, str] = {}
    decisions = ["order: versioned migrations by version (numeric parts), then repeatable ones by description "
                 "(Flyway's order)", "Flyway is forward-only: versioned migrations without a U undo script are "
                 "imported with rollback = \"none\""]
    conf = root / "flyway.conf"
    if conf.is_file():
        for line in _read(conf).splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip().startswith("flyway.placeholders."):
                placeholders[key.strip().removeprefix("flyway.placeholders.")] = value.strip()
    versioned: dict[tuple[int, ...], tuple[str, str, Path]] = {}
    undo: dict[tuple[int, ...], Path] = {}
    repeatable: list[tuple[str, Path]] = []
    for path in sorted(root.rglob("*.sql")):
        m = _FLYWAY.match(path.name)
        if m is None:
            decisions.append(f"ignored {path.relative_to(root)}: not a Flyway migration name")
            continue
        kind, desc = m.group("kind"), m.group("desc").replace("_", " ")
        if kind == "R":
            repeatable.append((desc, path))
            continue
        version = m.group("version") or ""
        vkey = _version_key(version)
        if kind == "U":
            undo[vkey] = path
        elif vkey in versioned:
            raise BadInput(f"{path}: version {version} is also {versioned[vkey][2]}; Flyway refuses duplicate "
                           "versions")
        else:
            versioned[vkey] = (version.replace("_", "."), desc, path)
    out = []

    def text(path: Path) -> str:
        body = _read(path)
        for name, value in placeholders.items():
            body = body.replace("${" + name + "}", value)   # textual, as Flyway replaces them
        left = re.search(r"\$\{([A-Za-z0-9_.]+)\}", body)
        if left:
            raise BadInput(f"{path}: Flyway placeholder ${{{left.group(1)}}} has no value: set "
                           f"flyway.placeholders.{left.group(1)} in flyway.conf")
        return body

    for vkey in sorted(versioned):
        version, desc, path = versioned[vkey]
        u = undo.get(vkey)
        out.append(Migration(f"V:{version}", desc, text(path), str(path.relative_to(root)),
                             text(u) if u else None, str(u.relative_to(root)) if u else None))
    for desc, path in sorted(repeatable):
        out.append(Migration(f"R:{desc}", desc, text(path), str(path.relative_to(root))))
    if placeholders:
        decisions.append(f"placeholders replaced from flyway.conf: {', '.join(sorted(placeholders))}")
    return Source(Tool.FLYWAY, root.name, tuple(out), {}, tuple(decisions))


# -- golang-migrate -------------------------------------------------------------------------------------
_GOLANG = re.compile(r"^V?(?P<version>[0-9]+)[._](?P<title>.+)\.(?P<dir>up|down)\.sql$")


def read_golang_migrate(root: Path) -> Source:
    found: dict[int, dict[str, Path]] = {}
    titles: dict[int, str] = {}
    decisions = ["order: version, as an unsigned integer (golang-migrate's order)"]
    for path in sorted(root.glob("*.sql")):
        m = _GOLANG.match(path.name)
        if m is None:
            decisions.append(f"ignored {path.name}: not a golang-migrate migration name")
            continue
        v = int(m.group("version"))
        if m.group("dir") in found.setdefault(v, {}):
            raise BadInput(f"{path}: version {v} has two {m.group('dir')} files; golang-migrate refuses that")
        found[v][m.group("dir")] = path
        titles[v] = m.group("title")
    out = []
    for v in sorted(found):
        files = found[v]
        if "up" not in files:
            raise BadInput(f"{root}: version {v} has a down file but no up file")
        down = files.get("down")
        out.append(Migration(str(v), titles[v].replace("_", " "), _read(files["up"]), files["up"].name,
                             _read(down) if down else None, down.name if down else None))
    return Source(Tool.GOLANG_MIGRATE, root.name, tuple(out), {}, tuple(decisions))


# -- popx -----------------------------------------------------------------------------------------------
_POPX = re.compile(r"^(?P<version>[0-9]+)_(?P<name>[^.]+)(?:\.(?P<dialect>postgres|cockroach|mysql|sqlite3|sqlite))?"
                   r"(?P<auto>\.autocommit)?\.(?P<dir>up|down)\.sql$")


def read_popx(root: Path) -> Source:
    chosen: dict[tuple[int, str], dict[str, tuple[Path, bool, bool]]] = {}   # -> dir -> (path, specific, auto)
    decisions = ["order: version as a number, then name (popx's order)",
                 "dialect: a .postgres. file wins over the dialect-less one; other dialects are ignored"]
    ignored = 0
    for path in sorted(root.glob("*.sql")):
        m = _POPX.match(path.name)
        if m is None:
            decisions.append(f"ignored {path.name}: not a popx migration name")
            continue
        dialect = m.group("dialect")
        if dialect not in (None, "postgres"):
            ignored += 1
            continue
        key = (int(m.group("version")), m.group("name"))
        slot = chosen.setdefault(key, {})
        had = slot.get(m.group("dir"))
        if had is None or (dialect == "postgres" and not had[1]):
            slot[m.group("dir")] = (path, dialect == "postgres", bool(m.group("auto")))
    if ignored:
        decisions.append(f"ignored {ignored} file(s) of other dialects (cockroach, mysql, sqlite3)")
    out = []
    for (v, name) in sorted(chosen):
        slot = chosen[(v, name)]
        if "up" not in slot:
            raise BadInput(f"{root}: migration {v}_{name} has a down file but no up file")
        up, _spec, auto = slot["up"]
        down = slot.get("down")
        out.append(Migration(str(v), name.replace("_", " "), _read(up), up.name,
                             _read(down[0]) if down else None, down[0].name if down else None, autocommit=auto))
    return Source(Tool.POPX, root.name, tuple(out), {}, tuple(decisions))


READERS = {Tool.SQITCH: read_sqitch, Tool.FLYWAY: read_flyway, Tool.GOLANG_MIGRATE: read_golang_migrate,
           Tool.POPX: read_popx}
