"""Sqitch dependencies, checked as Sqitch checks them when it reads its plan (``App::Sqitch::Plan``
``check_changes``): a change may require only a change, a tag or a ``change@tag`` planned before it.

A dependency on another project (``other:change``) or on a change id is Sqitch's to resolve at deploy time
and is only named (IMPORT.md); a conflict (``!change``) is named too. Everything else that Sqitch would refuse
is bad input naming the plan line, the change and the dependency: a change requiring itself, a change
requiring one planned after it (with the cycle's path when the two require each other), a dependency that
is not in the plan at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pgwarden.errors import BadInput

# sqitch-plan(5), App::Sqitch::Plan::Depend->parse: [!][project:](id | change[@tag] | @tag)
_DEP = re.compile(
    r"^(?P<conflict>!?)(?:(?P<project>[^\s:@#\\]+):)?(?:(?P<id>[0-9a-f]{40})|"
    r"(?P<change>[^\s:@#\\]+)(?:@(?P<tag>[^\s:@#\\]+))?|@(?P<only_tag>[^\s:@#\\]+))$"
)


@dataclass(frozen=True)
class PlanItem:
    """One line of ``sqitch.plan`` that is a change or a tag."""

    line: int
    change: str = ""  # a change, or
    tag: str = ""  # a tag (then change is "")
    requires: tuple[str, ...] = ()


def _path(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A path of requirements from ``start`` to ``goal`` (depth first), or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack += [(n, [*path, n]) for n in sorted(edges.get(node, ()), reverse=True)]
    return None


def check(items: Sequence[PlanItem], project: str, plan: str) -> None:
    """:class:`BadInput` for the first dependency Sqitch would refuse; see the module docstring."""
    edges: dict[str, set[str]] = {}
    first_line: dict[str, int] = {}
    for it in items:
        if not it.change:
            continue
        first_line.setdefault(it.change, it.line)
        for dep in it.requires:
            m = _DEP.match(dep)
            if m and not m.group("conflict") and m.group("change") and m.group("project") in (None, project):
                edges.setdefault(it.change, set()).add(m.group("change"))
    changes: dict[str, int] = {}  # change -> position of its latest planning so far
    tags: dict[str, int] = {}
    for pos, it in enumerate(items):
        if not it.change:
            tags[it.tag] = pos
            continue
        where = f"{plan}:{it.line}: change {it.change}"
        for dep in it.requires:
            m = _DEP.match(dep)
            if m is None:
                raise BadInput(
                    f"{where} requires {dep!r}, which is not a Sqitch dependency: expected "
                    "[project:]change[@tag], [project:]@tag or a change id (sqitch-plan(5))"
                )
            if m.group("conflict") or m.group("id") or m.group("project") not in (None, project):
                continue  # a conflict, a change id or another project's change: named in IMPORT.md
            change, tag = m.group("change"), m.group("tag") or m.group("only_tag")
            if change and tag and tag in tags and changes.get(change, len(items)) < tags[tag]:
                continue
            if change and not tag and change in changes:
                continue
            if not change and tag in tags:
                continue
            if change == it.change and not tag:
                raise BadInput(f"{where} requires itself: Sqitch refuses that ('cannot require itself')")
            if change and change in first_line:
                cycle = _path(edges, change, it.change)
                if cycle is not None:
                    raise BadInput(
                        f"{where} requires {dep}: dependency cycle {' -> '.join([it.change, *cycle])}: "
                        "Sqitch refuses it; break the cycle in sqitch.plan"
                    )
                if not tag:
                    raise BadInput(
                        f"{where} requires {dep}, which is planned after it (line {first_line[change]}):"
                        f" Sqitch refuses that ('planned before required change'); move {it.change} "
                        f"below {change}"
                    )
            if change and change not in first_line:
                raise BadInput(
                    f"{where} requires {dep}, which is not in the plan: Sqitch refuses that ('unknown "
                    "change'); a change of another project is written project:change"
                )
            raise BadInput(
                f"{where} requires {dep}, which is not planned before it in sqitch.plan: Sqitch refuses "
                "that ('unknown change')"
            )
        changes[it.change] = pos
