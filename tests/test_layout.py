"""The shape of the tree: no import cycles (not even inside functions or TYPE_CHECKING), a library that never
prints, and every command in the room a newcomer would look for."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def import_graph(src: Path, top: str) -> dict[str, set[str]]:
    """Module -> the package modules it imports, anywhere in its body (functions and TYPE_CHECKING too)."""
    modules: dict[str, Path] = {}
    for path in sorted((src / top).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                for a in node.names:
                    deps.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(old)
    return sorted(found)


def test_no_import_cycles() -> None:
    graph = import_graph(SRC, "pgwarden")
    assert len(graph) > 50  # the walk found the package
    assert cycles(graph) == []


def room_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Room -> the rooms it imports: a room is a top-level package (``pgwarden.apply``) or module
    (``pgwarden.errors``) of the tree."""

    def room(module: str) -> str:
        return ".".join(module.split(".")[:2])

    rooms: dict[str, set[str]] = {room(m): set() for m in graph}
    for module, deps in graph.items():
        rooms[room(module)].update(room(d) for d in deps if room(d) != room(module))
    return rooms


def test_no_room_level_cycles() -> None:
    """Rooms depend one way: apply uses rehearse, rehearse never uses apply; check uses preflight, preflight
    never uses check or the package command that calls it."""
    rooms = room_graph(import_graph(SRC, "pgwarden"))
    assert {"pgwarden.apply", "pgwarden.rehearse", "pgwarden.runner", "pgwarden.ledger", "pgwarden.check"} <= set(rooms)
    assert cycles(rooms) == []
    assert "pgwarden.apply" not in rooms["pgwarden.rehearse"]
    assert "pgwarden.check" not in rooms["pgwarden.preflight"]


def test_the_room_check_finds_a_cycle_between_rooms(tmp_path: Path) -> None:
    """Two rooms that import each other through different modules: no module cycle, but a room cycle."""
    pkg = tmp_path / "demo_pkg"
    for sub in ("a", "b"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "one.py").write_text("from demo_pkg.b.two import x\n")
    (pkg / "b" / "three.py").write_text("from demo_pkg.a.four import y\n")
    (pkg / "a" / "four.py").write_text("")
    (pkg / "b" / "two.py").write_text("")
    graph = import_graph(tmp_path, "demo_pkg")
    assert cycles(graph) == []
    assert cycles(room_graph(graph)) == [["demo_pkg.a", "demo_pkg.b"]]


def test_the_cycle_check_finds_hidden_cycles(tmp_path: Path) -> None:
    """A cycle hidden in a function body, under TYPE_CHECKING, or through a package __init__ is found."""
    pkg = tmp_path / "demo_pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from demo_pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from demo_pkg.c import g\n")
    (pkg / "c.py").write_text("from .a import x\n")
    (pkg / "sub" / "__init__.py").write_text("from demo_pkg.sub.leaf import y\n")
    (pkg / "sub" / "leaf.py").write_text("from demo_pkg import sub\n")
    (pkg / "ok.py").write_text("import demo_pkg.a\n")
    assert cycles(import_graph(tmp_path, "demo_pkg")) == [
        ["demo_pkg.a", "demo_pkg.b", "demo_pkg.c"],
        ["demo_pkg.sub", "demo_pkg.sub.leaf"],
    ]


def test_the_library_never_prints() -> None:
    """Progress goes through the reporter the CLI supplies; only cli/ writes to the terminal."""
    offenders = []
    for path in sorted((SRC / "pgwarden").rglob("*.py")):
        if "cli" in path.relative_to(SRC / "pgwarden").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("rich", "click")):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} imports {node.module}")
    assert offenders == []


# Every command of the CLI: its click callback lives in cli/<room>.py, and the library function it calls in
# the room of that name. A new command missing here fails test_every_command_is_listed.
COMMANDS = {
    "check": ("pgwarden.cli.check", "pgwarden.check.check"),
    "lock": ("pgwarden.cli.package", "pgwarden.package.lock"),
    "init": ("pgwarden.cli.package", "pgwarden.package.init"),
    "apply": ("pgwarden.cli.apply", "pgwarden.apply.apply"),
    "status": ("pgwarden.cli.ledger", "pgwarden.ledger.status"),
    "resolve": ("pgwarden.cli.ledger", "pgwarden.ledger.resolve"),
    "rehearse": ("pgwarden.cli.rehearse", "pgwarden.rehearse.rehearse"),
    "backup": ("pgwarden.cli.backup", "pgwarden.backup.backup"),
    "verify-backup": ("pgwarden.cli.backup", "pgwarden.backup.verify"),
    "probe": ("pgwarden.cli.probe", "pgwarden.probe.probe"),
    "diff": ("pgwarden.cli.probe", "pgwarden.probe.fingerprint"),
    "import": ("pgwarden.cli.importing", "pgwarden.importing.command"),
    "evidence": ("pgwarden.cli.evidence", "pgwarden.evidence.verify"),
    "report": ("pgwarden.cli.evidence", "pgwarden.evidence.report"),
    "gc": ("pgwarden.cli.instances", "pgwarden.instances.gc"),
    "identity": ("pgwarden.cli.pg", "pgwarden.pg.identity"),
    "binaries": ("pgwarden.cli.pg", "pgwarden.pg.binaries"),
    "demo": ("pgwarden.cli.demo", "pgwarden.demo.demo"),
    "schema": ("pgwarden.cli.schema", "pgwarden.schemas"),
}


def test_every_command_is_listed() -> None:
    from pgwarden.cli import main

    assert set(main.commands) == set(COMMANDS)


@pytest.mark.parametrize(("command", "room"), [(c, cli) for c, (cli, _lib) in COMMANDS.items()])
def test_each_command_lives_in_its_rooms_cli_module(command: str, room: str) -> None:
    from pgwarden.cli import main

    cmd = main.commands[command]
    callback = cmd.callback if cmd.callback is not None else None
    if isinstance(cmd, click.Group):  # a group: its subcommands live in the same module
        callback = next(iter(cmd.commands.values())).callback
    assert callback is not None and callback.__module__ == room


@pytest.mark.parametrize(("command", "library"), [(c, lib) for c, (_cli, lib) in COMMANDS.items()])
def test_each_command_calls_its_rooms_library(command: str, library: str) -> None:
    """The CLI module imports the library function from the room named after the command's area."""
    cli_module = COMMANDS[command][0]
    source = (SRC / (cli_module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    assert f"from {library} import" in source or f"import {library}" in source


def test_architecture_md_names_every_room_command_and_apply_gate() -> None:
    """ARCHITECTURE.md stays true: a room, a command or an apply gate missing from it fails here."""
    from pgwarden.apply.apply import GATES

    text = (SRC.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rooms = sorted(p.name for p in (SRC / "pgwarden").iterdir() if p.is_dir() and (p / "__init__.py").is_file())
    assert [r for r in rooms if f"`{r}/`" not in text] == []
    assert [c for c in COMMANDS if f"`{c}`" not in text and f"`{c} " not in text and f", `{c}`" not in text] == []
    assert [g for g in GATES if f"| `{g}` |" not in text] == []
    for cli_module, _library in COMMANDS.values():
        assert cli_module.removeprefix("pgwarden.").replace(".", "/") + ".py" in text, cli_module
