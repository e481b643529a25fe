"""The shape of the tree: no import cycles (not even inside functions or TYPE_CHECKING), a library that never
prints, and every command in the room a newcomer would look for."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

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
    assert cycles(import_graph(tmp_path, "demo_pkg")) == [["demo_pkg.a", "demo_pkg.b", "demo_pkg.c"],
                                                          ["demo_pkg.sub", "demo_pkg.sub.leaf"]]


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


@pytest.mark.parametrize(("command", "room"), [
    ("check", "pgwarden.cli.package"), ("lock", "pgwarden.cli.package"), ("init", "pgwarden.cli.package"),
    ("backup", "pgwarden.cli.backup"), ("verify-backup", "pgwarden.cli.backup"), ("probe", "pgwarden.cli.probe"),
    ("diff", "pgwarden.cli.probe"), ("evidence", "pgwarden.cli.evidence"), ("gc", "pgwarden.cli.instances"),
    ("identity", "pgwarden.cli.pg"), ("binaries", "pgwarden.cli.pg"), ("demo", "pgwarden.cli.demo"),
])
def test_each_command_lives_in_its_rooms_cli_module(command: str, room: str) -> None:
    from pgwarden.cli import main

    cmd = main.commands[command]
    assert cmd.callback is not None and cmd.callback.__module__ == room
