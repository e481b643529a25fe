"""The manifest model: every malformed pgwarden.toml is exit 2 naming file, key path and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden.errors import BadInput
from pgwarden.package.manifest import MANIFEST, load_package

GOOD = """
[package]
name = "p"
description = "d"

[target]
database = "app"
server_major = 16
system_identifier = "7361234567890123456"

[settings]
lock_timeout = "5s"
statement_timeout = 120000

[policy]
forbid = ["drop table", "TRUNCATE"]
forbid_calls = ["public.fn_iu_enact(*, *, false)"]
protected_tables = ["public.information_unit"]

[[bundle]]
id = "A"
title = "first"
apply = "A.sql"
rollback = "A.rollback.sql"

[[bundle]]
id = "B"
title = "second"
apply = "sql/B.sql"
rollback = "none"
reason = "one-way data fix"
transaction = false

[[probe]]
name = "p1"
after = "A"
sql = "SELECT 1"
expect_rows = 1
"""


def _write(root: Path, manifest: str, files: tuple[str, ...] = ("A.sql", "A.rollback.sql", "sql/B.sql")) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST).write_text(manifest, encoding="utf-8")
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("SELECT 1;\n", encoding="utf-8")
    return root


def test_good_manifest_model(tmp_path: Path) -> None:
    pkg = load_package(_write(tmp_path / "pkg", GOOD))
    assert pkg.name == "p" and pkg.description == "d"
    assert pkg.target == {"database": "app", "server_major": 16, "system_identifier": "7361234567890123456"}
    assert pkg.settings == {"lock_timeout": "5s", "statement_timeout": "120000"}
    assert pkg.policy.forbid == ("DROP TABLE", "TRUNCATE")
    a, b = pkg.bundles
    assert (a.id, a.apply_rel, a.rollback_rel, a.transaction, a.rollback_reason) == (
        "A",
        "A.sql",
        "A.rollback.sql",
        True,
        None,
    )
    assert a.apply.is_absolute() and a.apply == (tmp_path / "pkg" / "A.sql").absolute()
    assert (b.rollback, b.rollback_rel, b.rollback_reason, b.transaction, b.irreversible) == (
        None,
        None,
        "one-way data fix",
        False,
        True,
    )
    assert pkg.probes[0].expect_rows == 1 and pkg.probes[0].expect_error is None
    assert pkg.named_files() == (MANIFEST, "A.sql", "A.rollback.sql", "sql/B.sql")
    # the manifest file itself is accepted as the path too
    assert load_package(tmp_path / "pkg" / MANIFEST).root == pkg.root


# (case id, edit applied to GOOD, substrings the message/details must contain)
BAD: list[tuple[str, tuple[str, str], list[str]]] = [
    ("unknown_top_key", ("[package]", "[pakage]\nx = 1\n[package]"), ["pakage: unknown key; expected one of package"]),
    (
        "unknown_bundle_key",
        ('title = "first"', 'tittle = "first"'),
        ["bundle[1].tittle: unknown key", "bundle[1].title: missing; expected a string"],
    ),
    (
        "missing_package",
        ('[package]\nname = "p"\ndescription = "d"', ""),
        ['package: missing; expected a [package] table with name = "…"'],
    ),
    (
        "duplicate_id",
        ('id = "B"', 'id = "A"'),
        ["bundle[2].id: duplicate bundle id 'A' (also bundle[1].id); expected ids to be unique"],
    ),
    (
        "missing_file",
        ('rollback = "A.rollback.sql"', 'rollback = "A.undo.sql"'),
        ["bundle[1].rollback: 'A.undo.sql': file not found in"],
    ),
    (
        "probe_after_unknown",
        ('after = "A"', 'after = "Z"'),
        ["probe[1].after: 'Z' names no bundle; expected one of A, B"],
    ),
    (
        "none_without_reason",
        ('reason = "one-way data fix"\n', ""),
        ['bundle[2].reason: missing; rollback = "none" needs a reason'],
    ),
    (
        "rollback_missing",
        ('rollback = "A.rollback.sql"\n', ""),
        ['bundle[1].rollback: missing; expected a rollback file, or rollback = "none" with a reason'],
    ),
    (
        "reason_with_file",
        ('rollback = "A.rollback.sql"', 'rollback = "A.rollback.sql"\nreason = "x"'),
        ['bundle[1].reason: only allowed with rollback = "none"'],
    ),
    ("bad_kind", ('"TRUNCATE"]', '"DROP TABEL"]'), ["policy.forbid[2]: 'DROP TABEL' is not a statement kind"]),
    (
        "bad_call_pattern",
        ("public.fn_iu_enact(*, *, false)", "public.fn_iu_enact(a, *, false)"),
        ["policy.forbid_calls[1]: 'public.fn_iu_enact(a, *, false)' is not a call pattern"],
    ),
    (
        "bad_table",
        ('"public.information_unit"', '"public.information_unit; DROP TABLE x"'),
        ["policy.protected_tables[1]: 'public.information_unit; DROP TABLE x' is not a table name"],
    ),
    (
        "table_with_clause",
        ('"public.information_unit"', '"ONLY public.information_unit"'),
        ["policy.protected_tables[1]: 'ONLY public.information_unit' is not a table name"],
    ),
    (
        "nul_in_file_name",
        ('apply = "A.sql"', 'apply = "A\\u0000.sql"'),
        ["bundle[1].apply: 'A\\x00.sql': backslashes, NUL bytes and line breaks are not allowed"],
    ),
    (
        "path_escape",
        ('apply = "A.sql"', 'apply = "../A.sql"'),
        ["bundle[1].apply: '../A.sql': points outside the package"],
    ),
    ("target_type", ("server_major = 16", 'server_major = "16"'), ["target.server_major: expected int, got str"]),
    ("target_unknown", ("server_major = 16", "servr_major = 16"), ["target.servr_major: unknown key"]),
    (
        "transaction_type",
        ("transaction = false", 'transaction = "no"'),
        ["bundle[2].transaction: expected true or false"],
    ),
    (
        "probe_both",
        ("expect_rows = 1", 'expect_rows = 1\nexpect_error = "P0001"'),
        ["probe[1]: give expect_error or expect_rows, not both"],
    ),
    (
        "bad_sqlstate",
        ("expect_rows = 1", 'expect_error = "oops"'),
        ["probe[1].expect_error: expected a five-character SQLSTATE"],
    ),
    (
        "same_file_twice",
        ('apply = "sql/B.sql"', 'apply = "A.sql"'),
        ["bundle[2].apply: 'A.sql' is already named by bundle[1].apply"],
    ),
    (
        "bad_setting",
        ('lock_timeout = "5s"', '"lock timeout" = "5s"'),
        ["settings.lock timeout: not a PostgreSQL setting name"],
    ),
    (
        "bad_search_path",
        ('lock_timeout = "5s"', 'search_path = "public; DROP TABLE x"'),
        ["settings.search_path: 'public; DROP TABLE x' is not a schema list"],
    ),
]


@pytest.mark.parametrize(("edit", "needles"), [(e, n) for _c, e, n in BAD], ids=[c for c, _e, _n in BAD])
def test_bad_manifest(tmp_path: Path, edit: tuple[str, str], needles: list[str]) -> None:
    assert edit[0] in GOOD
    root = _write(tmp_path / "pkg", GOOD.replace(edit[0], edit[1], 1))
    with pytest.raises(BadInput) as err:
        load_package(root)
    text = "\n".join([err.value.message, *err.value.details])
    assert str(root / MANIFEST) in err.value.message
    for needle in needles:
        assert needle in text, text
    assert err.value.exit_code == 2


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    root = _write(tmp_path / "pkg", GOOD.replace('name = "p"', 'name = "p'))
    with pytest.raises(BadInput) as err:
        load_package(root)
    assert err.value.message.startswith(f"{root / MANIFEST}:3:10: invalid TOML:"), err.value.message


def test_unreadable_manifests_are_bad_input(tmp_path: Path) -> None:
    """Files no parser should ever see: each is one line naming the file, never a traceback."""
    cases = {
        "binary": (b"\x00\xff\xfe[package]", r"pgwarden.toml:1: not valid UTF-8 \(byte 0xff\)"),
        "nested": (b"x = " + b"[" * 50000 + b"]" * 50000, "invalid TOML: arrays or tables nested too deeply"),
    }
    for name, (data, message) in cases.items():
        root = tmp_path / name
        root.mkdir()
        (root / MANIFEST).write_bytes(data)
        with pytest.raises(BadInput, match=message):
            load_package(root)
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / MANIFEST).symlink_to(MANIFEST)
    with pytest.raises(BadInput, match=r"cannot read the pgwarden\.toml: Too many levels of symbolic links"):
        load_package(loop)
    sql_loop = _write(tmp_path / "sql_loop", GOOD, files=("A.rollback.sql", "sql/B.sql"))
    (sql_loop / "A.sql").symlink_to("A.sql")
    with pytest.raises(BadInput, match=r"bundle\[1\]\.apply: 'A.sql': cannot be resolved"):
        load_package(sql_loop)
    with pytest.raises(BadInput, match="unusable path: File name too long"):
        load_package(tmp_path / ("x" * 300))


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    root = _write(tmp_path / "pkg", GOOD.replace('id = "B"', 'id = "A"').replace('after = "A"', 'after = "Q"'))
    with pytest.raises(BadInput) as err:
        load_package(root)
    assert "(and 1 more problem(s))" in err.value.message
    assert any("probe[1].after" in d for d in err.value.details)


def test_no_bundles(tmp_path: Path) -> None:
    root = _write(tmp_path / "pkg", '[package]\nname = "p"\n')
    with pytest.raises(BadInput, match=r"bundle: missing; expected at least one \[\[bundle\]\] table"):
        load_package(root)


def test_not_a_package(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such package directory"):
        load_package(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match=r"pgwarden.toml: pgwarden.toml not found; a package is a directory"):
        load_package(tmp_path / "empty")


def test_verify_table_is_validated_by_expectations(tmp_path: Path) -> None:
    root = _write(tmp_path / "pkg", GOOD + '\n[verify]\ntabels = ["public.x"]\n')
    with pytest.raises(BadInput) as err:
        load_package(root)
    assert "tabels" in "\n".join([err.value.message, *err.value.details])


@pytest.mark.parametrize("case", ["duplicate_id", "probe_after_unknown", "none_without_reason", "missing_file"])
def test_manifest_errors_through_cli(tmp_path: Path, cli, case: str) -> None:
    edit, needles = next((e, n) for c, e, n in BAD if c == case)
    root = _write(tmp_path / "pkg", GOOD.replace(edit[0], edit[1], 1))
    before = sorted(p.name for p in root.rglob("*"))
    for command in (["check", str(root), "--out", str(tmp_path / "kit")], ["lock", str(root)]):
        r = cli(*command)
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith(f"pgwarden: bad-input: {root / MANIFEST}: "), r.stderr
        for needle in needles:
            assert needle in r.stderr
    assert sorted(p.name for p in root.rglob("*")) == before, "nothing may be written"
    assert not (tmp_path / "kit").exists()


def test_toml_syntax_error_through_cli(tmp_path: Path, cli) -> None:
    root = _write(tmp_path / "pkg", GOOD.replace("[[probe]]", "[[probe]"))
    r = cli("check", str(root))
    assert r.returncode == 2
    assert f"{root / MANIFEST}:34:8: invalid TOML: Expected ']]'" in r.stderr, r.stderr
