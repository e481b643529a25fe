"""What every rule needs: the compiled policy, the functions the package creates, and the findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pgwarden.findings import Finding, Severity
from pgwarden.package.lint.patterns import CallPattern, parse_call_pattern, parse_table_name
from pgwarden.package.lint.units import Unit
from pgwarden.package.manifest import Package
from pgwarden.parsing.walk import Const, const_of, creation_schema, split_name, strings
from pgwarden.rules import Rule

NO_DEFAULT = object()  # a parameter without DEFAULT
UNKNOWN = object()  # a DEFAULT that is not a literal


@dataclass(frozen=True)
class FunctionInfo:
    """A function the package creates: input parameter names and literal defaults, for call matching."""

    schema: str
    name: str
    params: tuple[tuple[str | None, Any], ...]  # (name, Const | NO_DEFAULT | UNKNOWN)


class Ctx:
    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.role: str | None = pkg.target.get("role")
        major = pkg.target.get("server_major")
        self.server_major: int | None = int(major) if major is not None else None
        self.forbid = frozenset(pkg.policy.forbid)
        self.patterns: tuple[CallPattern, ...] = tuple(parse_call_pattern(c) for c in pkg.policy.forbid_calls)
        self.protected: tuple[tuple[str | None, str], ...] = tuple(
            parse_table_name(t) for t in pkg.policy.protected_tables
        )
        self.functions: dict[str, list[FunctionInfo]] = {}
        self.findings: list[Finding] = []
        self._seen: set[tuple[Any, ...]] = set()

    def policy_names(self) -> frozenset[str]:
        """Function and table names a body must not mention if it cannot be parsed."""
        return frozenset([p.name for p in self.patterns] + [t for _s, t in self.protected])

    def learn_function(self, node: Any, search_path: tuple[str, ...]) -> None:
        schema, name = split_name(strings(node.funcname))
        params = []
        for prm in node.parameters or ():
            mode = getattr(prm.mode, "name", "FUNC_PARAM_DEFAULT")
            if mode in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"):
                continue
            default: Any = NO_DEFAULT
            if prm.defexpr is not None:
                c = const_of(prm.defexpr)
                default = c if isinstance(c, Const) else UNKNOWN
            params.append((prm.name, default))
        info = FunctionInfo(creation_schema(schema, search_path, self.role), name, tuple(params))
        self.functions.setdefault(name, []).append(info)

    def report(
        self,
        rule: Rule,
        unit: Unit,
        where: tuple[int, int],
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        fix: str | None = None,
        facts: dict[str, Any] | None = None,
    ) -> None:
        shown = unit.statement.first_line if unit.scope == "top" or unit.place is not None else unit.line_text(where[0])
        self.report_at(rule, unit.bundle, unit.file, where, shown, message, severity=severity, fix=fix, facts=facts)

    def report_at(
        self,
        rule: Rule,
        bundle: str | None,
        file: str,
        where: tuple[int, int],
        statement: str,
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        fix: str | None = None,
        facts: dict[str, Any] | None = None,
    ) -> None:
        self.add(
            Finding(
                rule=rule,
                bundle=bundle,
                file=file,
                line=where[0],
                col=where[1],
                statement=statement,
                message=message,
                severity=severity,
                fix=fix,
                facts=facts or {},
            )
        )

    def add(self, f: Finding) -> None:
        key = (f.rule, f.bundle, f.file, f.line, f.col, f.message)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(f)


def inside(unit: Unit) -> str:
    """ " inside the DO block" and the like, for messages."""
    return f" inside the {unit.origin}" if unit.origin else ""
