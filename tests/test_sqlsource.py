"""sqlsource and pgast: statements with exact file:line:col, meta-commands, and ASTs equal to pglast's."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from pglast import ast, parse_sql

from pgwarden.errors import BadInput
from pgwarden.parsing import tree as pgast
from pgwarden.parsing.source import SqlSyntaxError, parse_source, parse_sql_file
from pgwarden.parsing.source import parse_sql as parse_for_execution
from tests._package_helpers import CASES_DIR

CORPUS = [
    "select 0, '', 0.0, false, x'', b'1', null, -1, 1e10, $1, 'é' || 'x' AS \"ü\"",
    "CREATE FOREIGN TABLE ft (a int) SERVER s",
    "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0)",
    "CREATE FUNCTION f(OUT a int, INOUT b int, VARIADIC c int[]) RETURNS SETOF record LANGUAGE sql "
    "BEGIN ATOMIC SELECT 1; END",
    "SELECT * FROM t WINDOW w AS (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
    "SELECT xmlelement(name x, 'y'), json_object('a': 1) FROM generate_series(1,2) WITH ORDINALITY AS g(i, o)",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND t.x > 0 THEN DELETE "
    "WHEN NOT MATCHED THEN INSERT VALUES (s.id)",
    'CREATE TABLE p (a int, b text COLLATE "C") PARTITION BY RANGE (a); '
    "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10)",
    "GRANT SELECT (a, b) ON t TO r WITH GRANT OPTION; REVOKE ALL ON SCHEMA s FROM PUBLIC CASCADE",
    "SELECT CASE WHEN a THEN 1 ELSE 2 END, a IS DISTINCT FROM b, (ARRAY[1,2])[1], (x).y, row(1,2), a::int[], "
    "interval '1 day', EXISTS (SELECT 1), a IN (1,2), a = ANY ('{1}'), a LIKE 'x' ESCAPE '!'",
    "CREATE TRIGGER t AFTER INSERT OR UPDATE OF a ON x REFERENCING NEW TABLE AS n FOR EACH STATEMENT "
    "WHEN (true) EXECUTE FUNCTION f('a', 1)",
    "ALTER TABLE t ALTER COLUMN a TYPE bigint USING a::bigint, ADD CONSTRAINT fk FOREIGN KEY (a) "
    "REFERENCES u (b) ON DELETE CASCADE NOT VALID, ADD COLUMN c int GENERATED ALWAYS AS (a * 2) STORED",
    "CREATE INDEX i ON t (lower(a) text_pattern_ops DESC NULLS LAST) INCLUDE (b) WITH (fillfactor = 70)",
    "SELECT a, count(*) FILTER (WHERE b) OVER (PARTITION BY c) FROM t GROUP BY GROUPING SETS ((a), ()) "
    "HAVING count(*) > 1 ORDER BY 1 LIMIT 5 OFFSET 2 FOR UPDATE SKIP LOCKED",
    "CREATE RULE r AS ON UPDATE TO t DO INSTEAD (UPDATE u SET a = 1; NOTIFY x)",
    "SET LOCAL search_path = a, public; RESET ALL; VACUUM (FULL, ANALYZE) t (a); LOCK TABLE t IN ACCESS "
    "EXCLUSIVE MODE NOWAIT; DO LANGUAGE plpgsql $$ BEGIN END $$; CALL p(1, b => 2)",
    "SELECT DISTINCT a FROM t; SELECT DISTINCT ON (a) a FROM t; VALUES (1, 'x'), (DEFAULT, NULL)",
    "COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER); EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
]


def _same(a: Any, b: Any, path: str = "") -> str | None:
    """Full structural comparison, locations included (pglast's __eq__ ignores them)."""
    if isinstance(a, ast.Node) or isinstance(b, ast.Node):
        if type(a) is not type(b):
            return f"{path}: {type(a).__name__} vs {type(b).__name__}"
        for k in a.__slots__:
            diff = _same(getattr(a, k), getattr(b, k), f"{path}.{k}")
            if diff:
                return diff
        return None
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        return next((d for i, (x, y) in enumerate(zip(a, b, strict=True)) if (d := _same(x, y, f"{path}[{i}]"))), None)
    if isinstance(a, Enum) or isinstance(b, Enum) or isinstance(a, bool) or isinstance(b, bool):
        return None if type(a) is type(b) and a == b else f"{path}: {a!r} vs {b!r}"
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def _corpus() -> list[str]:
    return CORPUS + [p.read_text() for p in sorted(CASES_DIR.glob("*/*.sql"))]


def test_fast_ast_equals_pglast() -> None:
    checked = 0
    for text in _corpus():
        try:
            ref = parse_sql(text)
        except Exception:  # psql meta-commands and deliberate syntax errors in the cases
            continue
        diff = _same(pgast.parse(text), ref)
        assert diff is None, f"{diff}\n{text[:200]}"
        checked += 1
    assert checked > 30


def test_positions_are_characters_not_bytes() -> None:
    src = parse_source("-- é ü\nSELECT 'ä';\n  /* ö */ INSERT INTO t VALUES ('ß');\n", "x.sql")
    assert [(s.line, s.col, s.text) for s in src.statements] == [
        (2, 1, "SELECT 'ä'"),
        (3, 11, "INSERT INTO t VALUES ('ß')"),
    ]
    rv = src.statements[1].node.relation
    assert src.lines.at(rv.location) == (3, 23)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("SELECT 1;\nSELEC 2;", "x.sql:2:1", 'syntax error at or near "SELEC"'),
        ("SELECT 'é' frm t x y;", "x.sql:1:16", 'syntax error at or near "t"'),
        ("SELECT 1;\nSELECT 'open", "x.sql:2:8", 'unterminated quoted string at or near "\'open"'),
        ("DO $$ BEGIN", "x.sql:1:4", 'unterminated dollar-quoted string at or near "$$ BEGIN"'),
        ("SELECT 1;\n  \x00 DROP TABLE t;", "x.sql:2:3", pgast.NUL_MESSAGE),  # the parser would stop at the NUL
    ],
)
def test_syntax_errors_name_file_line_col(text: str, where: str, message: str) -> None:
    with pytest.raises(SqlSyntaxError) as err:
        parse_source(text, "x.sql")
    assert err.value.message == f"{where}: {message}"
    assert err.value.exit_code == 2


def test_meta_commands_found_by_the_scanner() -> None:
    text = "\\set x 1\nSELECT '\\i no' AS a, $q$\n\\i no$q$;\n-- \\i no\nSELECT 1 \\gset\nSELECT 2;\n"
    src = parse_source(text, "m.sql")
    assert [(m.line, m.col, m.text) for m in src.meta_commands] == [(1, 1, "\\set x 1"), (5, 10, "\\gset")]
    assert [s.first_line for s in src.statements] == ["SELECT '\\i no' AS a, $q$", "SELECT 1", "SELECT 2"]
    with pytest.raises(BadInput, match=r"m.sql:1:1: psql meta-command '\\\\set' is not SQL"):
        parse_for_execution(text, "m.sql")


def test_parse_sql_file_reads_utf8_and_drops_a_bom(tmp_path: Path) -> None:
    p = tmp_path / "a.sql"
    p.write_bytes(b"\xef\xbb\xbfSELECT 1;\r\nSELECT 2;\r\n")
    stmts = parse_sql_file(p, "a.sql")
    assert [(s.index, s.line, s.col, s.text) for s in stmts] == [(0, 1, 1, "SELECT 1"), (1, 2, 1, "SELECT 2")]
    p.write_bytes(b"SELECT '\xff';")
    with pytest.raises(BadInput, match=r"a.sql:1:9: not valid UTF-8 \(byte 0xff\)"):
        parse_sql_file(p, "a.sql")
