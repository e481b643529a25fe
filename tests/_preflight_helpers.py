"""The differential corpus: case files, and running a case on a real server against preflight.

A case file (tests/preflight_corpus/*.sql) starts with a setup section, run once per database and
committed, then cases, each introduced by ``-- case: <name>``. Optional directives follow it:
``-- role: <role>`` (the case runs under SET LOCAL ROLE), ``-- expect: <SQLSTATE or ok>`` (what the
server is expected to do, so that a typo in the setup cannot turn a refusal case into two agreeing
successes), ``-- expect-pgNN: ...`` for a major-specific expectation, ``-- compare: message`` to compare SQLSTATE and
message only (when the server's DETAIL names a path on its machine). Every case runs inside a
transaction that is rolled back: preflight predicts first, then each statement is executed in order
until the first error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.parsing.source import parse_source
from pgwarden.preflight.engine import predict
from pgwarden.preflight.prediction import Prediction

CORPUS = Path(__file__).parent / "preflight_corpus"
_DIRECTIVE = re.compile(r"^--\s*(role|compare|expect(?:-pg\d+)?):\s*(.+?)\s*$")


@dataclass
class Case:
    file: str
    name: str
    line: int
    sql: str
    role: str | None = None
    compare: str = "all"  # "message": compare SQLSTATE and message only (a DETAIL names server paths)
    expect: dict[str, str] = field(default_factory=dict)  # "" (any major) or "15"/"18" -> SQLSTATE|ok

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}:{self.name}"

    def expected(self, major: int) -> str | None:
        return self.expect.get(str(major), self.expect.get(""))


@dataclass
class CorpusFile:
    path: Path
    setup: str
    cases: list[Case]


def load_corpus() -> list[CorpusFile]:
    return [parse_file(p) for p in sorted(CORPUS.glob("*.sql"))]


def parse_file(path: Path) -> CorpusFile:
    lines = path.read_text(encoding="utf-8").splitlines()
    setup: list[str] = []
    cases: list[Case] = []
    current: Case | None = None
    body: list[str] = []
    for n, line in enumerate(lines, 1):
        if line.startswith("-- case:"):
            if current is not None:
                current.sql = "\n".join(body).strip()
                cases.append(current)
            current = Case(path.name, line.split(":", 1)[1].strip(), n, "")
            body = []
            continue
        if current is None:
            setup.append(line)
            continue
        m = _DIRECTIVE.match(line)
        if m and not body:
            key, value = m.groups()
            if key == "role":
                current.role = value
            elif key == "compare":
                current.compare = value
            else:
                current.expect[key.removeprefix("expect").removeprefix("-pg")] = value
            continue
        body.append(line)
    if current is not None:
        current.sql = "\n".join(body).strip()
        cases.append(current)
    return CorpusFile(path, "\n".join(setup), cases)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    sqlstate: str | None = None
    message: str | None = None
    detail: str | None = None
    hint: str | None = None

    def short(self) -> str:
        return "ok" if self.ok else f"{self.sqlstate} {self.message} | DETAIL {self.detail} | HINT {self.hint}"


def outcome_of(p: Prediction) -> Outcome:
    return Outcome(True) if p.ok else Outcome(False, p.sqlstate, p.message, p.detail, p.hint)


def run_case(conn: psycopg.Connection[Any], case: Case) -> tuple[list[Outcome], list[Outcome]]:
    """(predicted, actual) outcomes, statement by statement up to the first actual error."""
    texts = [s.text for s in parse_source(case.sql, case.id).statements] if _parses(case.sql) else [case.sql]
    with conn.transaction(force_rollback=True):
        if case.role:
            conn.execute(f'SET LOCAL ROLE "{case.role}"')
        predicted = [outcome_of(p) for p in predict(conn, case.sql)]
        actual: list[Outcome] = []
        for text in texts:
            try:
                with conn.transaction():
                    conn.execute(text)
                actual.append(Outcome(True))
            except psycopg.Error as exc:
                d = exc.diag
                actual.append(Outcome(False, d.sqlstate, d.message_primary, d.message_detail, d.message_hint))
                break
    return predicted[: len(actual)], actual


def _parses(sql: str) -> bool:
    try:
        parse_source(sql, "<case>")
    except Exception:
        return False
    return True
