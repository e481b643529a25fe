"""The shipped JSON Schemas: valid draft 2020-12, printed by ``pgwarden schema NAME``, in step with the loaders
(whatever ``load_package`` / ``load_expectations`` accept the schema accepts, and what they refuse the schema
refuses unless it needs files or PostgreSQL's grammar, said case by case below), and every fixture and every
file a real run writes (fingerprints, ``run.json`` of probe, check, apply, backup, rehearse, verify-backup)
validates."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from pgwarden.demo.seed001 import SEED001_EXPECTATIONS
from pgwarden.errors import BadInput
from pgwarden.expect import model as expect_mod
from pgwarden.package import sections as manifest_mod
from pgwarden.package.manifest import load_package
from pgwarden.parsing.statement_kinds import KNOWN_KINDS
from pgwarden.pg.guard import GUARD_KEYS
from pgwarden.schemas import NAMES, SCHEMAS, load_schema, schema_text
from tests import test_expectations, test_manifest
from tests._apply_helpers import B, write_package
from tests._backup_helpers import EXPECT_TOML, populate
from tests._package_helpers import CASES_DIR, case_dirs, load_expected
from tests.conftest import envelope, run_cli

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pgwarden"


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())


def errors(name: str, data: Any) -> list[str]:
    """Problems as draft 2020-12 reads the schema; a draft-7 reader (taplo's validator) must agree."""
    found = [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}"
        for e in validator(name).iter_errors(data)
    ]
    assert Draft7Validator(load_schema(name)).is_valid(data) == (not found), "draft 7 reads the schema differently"
    return found


def manifest_fixtures() -> list[Path]:
    return sorted([*(ROOT / "tests").rglob("pgwarden.toml"), *(SRC / "demo").rglob("pgwarden.toml")])


# -- the schemas themselves ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"] and schema["description"]


NEWER_THAN_DRAFT_7 = {
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "minContains",
    "maxContains",
    "$vocabulary",
}
ANNOTATIONS = {"description", "default", "examples", "title", "$comment"}


def _subschemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _subschemas(v)
    elif isinstance(node, list):
        for v in node:
            yield from _subschemas(v)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_reads_the_same_as_draft_7(name: str) -> None:
    """taplo validates with a draft-7 reader: no newer keyword, and no assertion beside a $ref (draft 7 ignores
    a $ref's siblings). Regular expressions use nothing beyond what ECMA 262 and Rust's regex share."""
    for node in _subschemas(load_schema(name)):
        assert not NEWER_THAN_DRAFT_7 & set(node), node
        if "$ref" in node:
            assert set(node) - {"$ref"} <= ANNOTATIONS, node
        for key in ("pattern",):
            if isinstance(node.get(key), str):
                assert not re.search(r"\\[pPdDwWbB]|\(\?[=!<]|\(\?[a-z]", node[key].replace("\\\\", "")), node[key]
    Draft7Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("name", NAMES)
def test_pgwarden_schema_prints_it(name: str, tmp_path: Path) -> None:
    r = run_cli("schema", name, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == load_schema(name)
    assert r.stdout == schema_text(name), "printed exactly as shipped"
    body = envelope(run_cli("schema", name, "--json", cwd=tmp_path))
    assert body["status"] == "PASS" and body["result"] == load_schema(name) and body["kit"] is None


def test_pgwarden_toml_is_the_manifest_and_round_trips_through_a_file(tmp_path: Path) -> None:
    assert load_schema("pgwarden.toml") == load_schema("manifest")
    r = run_cli("schema", "manifest", cwd=tmp_path)
    (tmp_path / "pgwarden.schema.json").write_text(r.stdout)  # what the README tells an editor user to do
    again = json.loads((tmp_path / "pgwarden.schema.json").read_text())
    Draft202012Validator.check_schema(again)
    assert again == load_schema("manifest")


def test_unknown_schema_is_bad_input_naming_the_choices(tmp_path: Path) -> None:
    r = run_cli("schema", "manifests", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "pgwarden: bad-input: unknown schema 'manifests'; expected one of manifest, "
        "pgwarden.toml, expectations, fingerprint, run"
    ]
    body = envelope(run_cli("schema", "nope", "--json", cwd=tmp_path))
    assert body["status"] == "BAD_INPUT" and "expected one of manifest" in body["error"]["message"]
    assert run_cli("schema", cwd=tmp_path).returncode == 2


# -- in step with the code ----------------------------------------------------------------------------
def _keys(schema: dict[str, Any]) -> set[str]:
    return set(schema["properties"])


def test_manifest_schema_names_exactly_the_keys_the_loader_knows() -> None:
    m = load_schema("manifest")
    defs = m["$defs"]
    mm: Any = manifest_mod
    assert _keys(m) == set(mm.TOP_KEYS)
    assert _keys(m["properties"]["package"]) == set(mm.PACKAGE_KEYS)
    assert _keys(m["properties"]["policy"]) == set(mm._POLICY_KEYS)
    assert _keys(m["properties"]["apply"]) == set(mm._APPLY_KEYS)
    assert _keys(m["properties"]["target"]) == set(GUARD_KEYS)
    assert _keys(defs["bundle"]) == set(mm._BUNDLE_KEYS)
    assert _keys(defs["probe"]) == set(mm._PROBE_KEYS)
    assert _keys(defs["waiver"]) == set(getattr(mm, "_WAIVER_KEYS", ("bundle", "rule", "reason")))
    assert m["properties"]["apply"]["properties"]["lock_retries"]["maximum"] == mm.MAX_LOCK_RETRIES
    assert m["properties"]["apply"]["properties"]["lock_retries"]["default"] == mm.ApplySettings.lock_retries
    assert m["properties"]["policy"]["properties"]["data_check_timeout"]["default"] == mm.DEFAULT_DATA_CHECK_TIMEOUT_S


def test_the_manifest_embeds_the_expectations_schema() -> None:
    """[verify] is the expectations vocabulary: the manifest carries the same definitions, so that one file
    is enough for an editor."""
    m, e = load_schema("manifest"), load_schema("expectations")
    body = {k: v for k, v in e.items() if k not in ("$schema", "$id", "title", "description", "$defs")}
    assert m["$defs"]["expectations"] == body
    for name, definition in e["$defs"].items():
        assert m["$defs"][name] == definition
    ee: Any = expect_mod
    assert _keys(e) == set(ee.TOP_KEYS)
    assert _keys(e["$defs"]["count"]) == set(ee._COUNT_KEYS)
    assert _keys(e["$defs"]["value"]) == set(ee._VALUE_KEYS)


def _word(w: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in w)


def _alternatives(trie: dict[str, tuple[bool, dict[str, Any]]]) -> str:
    alts = []
    for word in sorted(trie):
        end, kids = trie[word]
        if kids:
            sub = _alternatives(kids)
            alts.append(f"{_word(word)}(?:\\s+{sub})?" if end else f"{_word(word)}\\s+{sub}")
        else:
            alts.append(_word(word))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def statement_kind_pattern() -> str:
    """A case-insensitive, spacing-insensitive pattern of exactly KNOWN_KINDS, without inline flags or
    lookarounds (ECMA 262 and Rust's regex, which taplo uses, read it the same way)."""
    trie: dict[str, tuple[bool, dict[str, Any]]] = {}
    for kind in KNOWN_KINDS:
        node, words = trie, kind.split()
        for i, w in enumerate(words):
            end, kids = node.get(w, (False, {}))
            node[w] = (end or i == len(words) - 1, kids)
            node = kids
    return "^\\s*" + _alternatives(trie) + "\\s*$"


def test_statement_kinds_are_the_lints_kinds() -> None:
    """[policy] forbid takes exactly KNOWN_KINDS, any case and spacing; a new kind needs the pattern regenerated
    (this test prints it)."""
    pattern = load_schema("manifest")["$defs"]["statementKind"]["pattern"]
    assert pattern == statement_kind_pattern(), f"regenerate $defs.statementKind.pattern:\n{statement_kind_pattern()}"
    rx = re.compile(pattern)
    for kind in KNOWN_KINDS:
        assert rx.search(kind) and rx.search("  " + kind.lower().replace(" ", " \t ") + " "), kind
    for wrong in ("DROP TABEL", "DROP", "DROPTABLE", "DROP TABLE x", "", "TRUNCATE;"):
        assert not rx.search(wrong), wrong


def test_fingerprint_kinds_are_what_the_probe_queries_emit() -> None:
    sql = "\n".join(p.read_text() for p in sorted((SRC / "probe" / "sql").glob("*.sql")))
    emitted = set(re.findall(r"'([a-z_]+)' AS kind", sql))
    emitted |= set(re.findall(r"THEN '([a-z_]+)' ELSE '([a-z_]+)' END AS kind", sql)[0])
    assert set(load_schema("fingerprint")["$defs"]["entry"]["properties"]["kind"]["enum"]) == emitted


def test_run_schema_gates_are_each_commands_plan() -> None:
    from pgwarden.apply.apply import GATES as APPLY
    from pgwarden.backup.backup import GATES as BACKUP
    from pgwarden.backup.verify import plan
    from pgwarden.check.check import LIVE_GATES, OFFLINE_GATES
    from pgwarden.rehearse.rehearse import GATES as REHEARSE

    verify = plan(cast(Any, SimpleNamespace(dsn="x", protected=("y",))))
    want = {
        "apply": list(APPLY),
        "backup": list(BACKUP),
        "rehearse": list(REHEARSE),
        "verify-backup": list(verify),
        "check": list(dict.fromkeys([*LIVE_GATES, *OFFLINE_GATES])),
    }
    run = load_schema("run")
    got = {
        rule["if"]["properties"]["command"]["const"]: rule["then"]["properties"]["gates"]["items"]["properties"][
            "name"
        ]["enum"]
        for rule in run["allOf"]
        if "command" in rule["if"]["properties"]
    }
    assert set(run["properties"]["command"]["enum"]) == set(got)
    for command, gates in want.items():
        assert sorted(got[command]) == sorted(gates), command


# -- manifests ----------------------------------------------------------------------------------------
# Lint cases whose `pgwarden check` is bad input (exit 2) for a reason outside the manifest's shape:
NOT_THE_MANIFEST = {
    "drift_changed": "integrity: a file changed after `pgwarden lock` (pgwarden.sum), not the manifest",
    "drift_crlf": "integrity: line endings changed after lock (pgwarden.sum), not the manifest",
    "drift_unnamed": "integrity: an unnamed .sql file and a stale pgwarden.sum line, not the manifest",
    "not_locked": "integrity: no pgwarden.sum, not the manifest",
    "syntax_error": "SQL syntax of the bundle files, not the manifest",
    "probe_syntax_error": "SQL syntax inside a probe's sql string: PostgreSQL's grammar, beyond JSON Schema",
}


@pytest.mark.parametrize("path", manifest_fixtures(), ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_every_manifest_fixture_validates_as_the_loader_judges_it(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        load_package(path.parent)
    except BadInput as exc:
        assert errors("manifest", data), f"the loader refuses {path} ({exc.message}); the schema must too"
        return
    assert errors("manifest", data) == [], path
    if "verify" in data:
        assert errors("expectations", data["verify"]) == []


def test_lint_cases_refused_as_bad_input_are_rejected_or_explained() -> None:
    refused = {c.name for c in case_dirs() if load_expected(c)["exit"] == 2}
    accepted = {
        name
        for name in refused
        if not errors("manifest", tomllib.loads((CASES_DIR / name / "pgwarden.toml").read_text()))
    }
    assert accepted == set(NOT_THE_MANIFEST), "a bad-input case the schema accepts needs its reason listed"


# test_manifest.BAD cases (a valid manifest with one edit) the schema cannot refuse, and why:
NOT_EXPRESSIBLE = {
    "duplicate_id": "ids must be unique across [[bundle]] tables: uniqueItems compares whole tables",
    "missing_file": "the file must exist in the package",
    "probe_after_unknown": "`after` must name a bundle of the same file",
    "same_file_twice": "each file named once across bundles: a cross-table rule",
    "bad_call_pattern": "call patterns are read by PostgreSQL's grammar",
    "bad_table": "table names are read by PostgreSQL's grammar (a quoted name may hold ';')",
    "table_with_clause": "table names are read by PostgreSQL's grammar",
    "bad_search_path": "search_path is read by PostgreSQL's grammar",
}


@pytest.mark.parametrize(
    ("case", "edit"), [(c, e) for c, e, _n in test_manifest.BAD], ids=[c for c, _e, _n in test_manifest.BAD]
)
def test_bad_manifests_are_rejected_or_explained(case: str, edit: tuple[str, str]) -> None:
    data = tomllib.loads(test_manifest.GOOD.replace(edit[0], edit[1], 1))
    if case in NOT_EXPRESSIBLE:
        assert errors("manifest", data) == [], f"{case} is rejected now: drop it from NOT_EXPRESSIBLE"
    else:
        assert errors("manifest", data), case


def test_the_good_manifest_validates() -> None:
    assert errors("manifest", tomllib.loads(test_manifest.GOOD)) == []


NEW_KEYS = """
[package]
name = "adopted"

[vars]
schema = "app"
owner = { value = "app_owner" }
token = { env = "PGWARDEN_SCHEMA_TEST_TOKEN", secret = true }
tenant = { file = "tenant.txt" }

[policy]
forbid = ["drop table"]
data_checks = true
data_check_timeout = 2.5
max_locked_bytes = "100 MB"

[[bundle]]
id = "V0001"
title = "first"
apply = "V0001.sql"
rollback = "none"
reason = "forward-only, as Flyway"
verify = "verify/V0001.sql"
origin = "flyway:1"

[[waiver]]
bundle = "V0001"
rule = "policy.forbid"
reason = "historical migration, cannot be edited"
"""


def _new_keys_package(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "pkg"
    (root / "verify").mkdir(parents=True, exist_ok=True)
    (root / "pgwarden.toml").write_text(text, encoding="utf-8")
    (root / "V0001.sql").write_text("SELECT 1;\n")
    (root / "verify" / "V0001.sql").write_text("SELECT 1;\n")
    (root / "tenant.txt").write_text("acme\n")
    return root


def _loader_accepts(root: Path) -> bool:
    try:
        load_package(root)
    except BadInput:
        return False
    return True


def test_issue_15_keys_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[vars], [[waiver]], a bundle's verify file, forward-only bundles and the new [policy] keys."""
    monkeypatch.setenv("PGWARDEN_SCHEMA_TEST_TOKEN", "s3cret-value")
    assert errors("manifest", tomllib.loads(NEW_KEYS)) == []
    assert _loader_accepts(_new_keys_package(tmp_path, NEW_KEYS))


# (edit of NEW_KEYS, whether the manifest stays valid): the schema and the loader must agree on each.
EDITS = [
    (('max_locked_bytes = "100 MB"', "max_locked_bytes = 0"), True),
    (('max_locked_bytes = "100 MB"', "max_locked_bytes = 104857600"), True),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "1gb"'), True),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "512 kB"'), True),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = " 1.5 TB "'), True),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "10B"'), True),
    (('max_locked_bytes = "100 MB"', "max_locked_bytes = -1"), False),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "100"'), False),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "100 XB"'), False),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "-5 MB"'), False),
    (('max_locked_bytes = "100 MB"', 'max_locked_bytes = "lots"'), False),
    (('max_locked_bytes = "100 MB"', "max_locked_bytes = 1.5"), False),
    (('max_locked_bytes = "100 MB"', "max_locked_bytes = true"), False),
    (("data_check_timeout = 2.5", "data_check_timeout = 3600"), True),
    (("data_check_timeout = 2.5", "data_check_timeout = 0"), False),
    (("data_check_timeout = 2.5", "data_check_timeout = 3600.5"), False),
    (("data_check_timeout = 2.5", "data_check_timeout = true"), False),
    (("data_check_timeout = 2.5", 'data_check_timeout = "10"'), False),
    (("data_checks = true", 'data_checks = "yes"'), False),
    (('schema = "app"', '"1schema" = "app"'), False),
    (('schema = "app"', "schema = 5"), False),
    (('owner = { value = "app_owner" }', 'owner = { value = "app_owner", env = "USER" }'), False),
    (('owner = { value = "app_owner" }', "owner = { secret = true }"), False),
    (('owner = { value = "app_owner" }', 'owner = { valeu = "app_owner" }'), False),
    (('owner = { value = "app_owner" }', 'owner = { value = "x", secret = "yes" }'), False),
    (('owner = { value = "app_owner" }', "owner = { value = 1 }"), False),
    (('reason = "historical migration, cannot be edited"', 'reason = ""'), False),
    (('reason = "historical migration, cannot be edited"', ""), False),
    (('rule = "policy.forbid"', ""), False),
    (('rule = "policy.forbid"', 'rule = "policy.forbd"'), False),  # names no rule (pgwarden/rules.py)
    (('rule = "policy.forbid"', 'rule = "preflight.data"'), True),  # a family of rules
    (('rule = "policy.forbid"', 'rule = "policy.forbid"\nnote = "x"'), False),
    (('verify = "verify/V0001.sql"', 'verify = "../V0001.sql"'), False),
    (('verify = "verify/V0001.sql"', "verify = 1"), False),
    (('verify = "verify/V0001.sql"', 'verify = "V0001.sql"'), True),  # apply and verify share a file
    (('reason = "forward-only, as Flyway"\n', ""), False),
]


@pytest.mark.parametrize(("edit", "valid"), EDITS, ids=[f"{i}-{e[1][:30]}" for i, (e, _v) in enumerate(EDITS)])
def test_schema_and_loader_agree(
    edit: tuple[str, str], valid: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGWARDEN_SCHEMA_TEST_TOKEN", "s3cret-value")
    assert edit[0] in NEW_KEYS
    text = NEW_KEYS.replace(edit[0], edit[1], 1)
    schema_ok = not errors("manifest", tomllib.loads(text))
    loader_ok = _loader_accepts(_new_keys_package(tmp_path, text))
    if edit[1] == 'verify = "V0001.sql"':  # a cross-bundle rule (each file once): only the loader sees it
        assert schema_ok and not loader_ok
        return
    assert (schema_ok, loader_ok) == (valid, valid)


# -- expectations -------------------------------------------------------------------------------------
def test_every_expectations_fixture_validates() -> None:
    """The expectations the tests and the demo use, any expectations file in the tree, and every [verify]."""
    files = [
        p for base in (ROOT / "tests", SRC / "demo") for p in base.rglob("expect*.toml") if p.name != "expected.toml"
    ]
    for text in (EXPECT_TOML, SEED001_EXPECTATIONS, *(p.read_text() for p in files)):
        assert errors("expectations", tomllib.loads(text)) == []
    for path in manifest_fixtures():
        data = tomllib.loads(path.read_text())
        if "verify" in data:
            assert errors("expectations", data["verify"]) == [], path


# test_expectations' bad files the schema cannot refuse: names and SQL are read by PostgreSQL's grammar.
GRAMMAR = (
    "value[0].sql: must be a SELECT",
    "data-modifying DELETE",
    "exactly one SELECT",
    "SQL syntax error",
    "count[0].where",
    "expected schema.table.name",
    "is not a function signature",
    "is not a plain dotted name",
    "NUL byte",
    "syntax error: NUL",
    "takes row locks",
)


@pytest.mark.parametrize(("text", "message"), test_expectations.BAD_EXPECTATIONS)
def test_bad_expectations_are_rejected_or_explained(text: str, message: str, tmp_path: Path) -> None:
    """Each bad file: the loader refuses it with its message, and the schema refuses it too unless only
    PostgreSQL's grammar can tell (GRAMMAR)."""
    path = tmp_path / "expect.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as err:
        expect_mod.load_expectations(path)
    assert message in err.value.message, err.value.message
    data = tomllib.loads(text)
    if any(g in message for g in GRAMMAR):
        assert errors("expectations", data) == [], f"{message!r} is rejected now: drop it from GRAMMAR"
    else:
        assert errors("expectations", data), message


# -- what real runs write ----------------------------------------------------------------------------
FAILING = "DO $$BEGIN RAISE EXCEPTION 'boom: data not ready'; END$$;\n"  # preflight cannot judge a DO body


def _validate_tree(root: Path) -> dict[str, list[str]]:
    """Validate every run.json and every fingerprint under ``root``; return {command: [kit, …]}."""
    seen: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.json")):
        data = json.loads(path.read_text())
        if path.name == "run.json":
            assert errors("run", data) == [], path
            seen.setdefault(data["command"], []).append(str(path.parent.relative_to(root)))
        elif isinstance(data, dict) and data.get("format") == "pgwarden-fingerprint":
            assert errors("fingerprint", data) == [], path
            seen.setdefault("fingerprint", []).append(str(path.relative_to(root)))
    return seen


def test_real_kits_and_fingerprints_validate(fresh_db: str, tmp_path: Path) -> None:
    populate(fresh_db)
    out = tmp_path / "out"
    out.mkdir()

    def ok(*argv: str, code: int = 0) -> dict[str, Any]:
        r = run_cli(*argv, "--json", cwd=tmp_path)
        assert r.returncode == code, (argv, r.stdout[-3000:], r.stderr[-3000:])
        return envelope(r)

    ok(
        "probe",
        "--dsn",
        fresh_db,
        "--rows",
        "exact",
        "--query",
        "units=select count(*) from public.unit",
        "--query",
        "nothing=select null",
        "--fingerprint",
        str(out / "exact.json"),
        "--out",
        str(out / "probe"),
    )
    ok("probe", "--dsn", fresh_db, "--rows", "estimate", "--fingerprint", str(out / "estimate.json"), "--no-kit")

    bundles = [
        B("A", "CREATE TABLE public.s_new (id int PRIMARY KEY);\n", "DROP TABLE public.s_new;\n"),
        B("B", "CREATE INDEX s_new_id ON public.s_new (id);\n", "DROP INDEX public.s_new_id;\n"),
    ]
    verify = 'tables = ["public.s_new"]\nindexes = ["public.s_new_id"]'
    fails = write_package(tmp_path / "fails", [bundles[0], B("B", FAILING, "SELECT 1;\n")], name="fails")
    good = write_package(
        tmp_path / "good",
        bundles,
        name="good",
        verify=verify,
        extra='[policy]\nforbid = ["TRUNCATE"]\nmax_locked_bytes = "1 GB"\n',
    )
    ok("check", str(good), "--dsn", fresh_db, "--out", str(out / "check"))
    ok("rehearse", str(fails), "--dsn", fresh_db, "--out", str(out / "rehearse-fails"), code=1)
    failed = ok("apply", str(fails), "--dsn", fresh_db, "--no-rehearse", "--out", str(out / "apply-fails"), code=1)
    assert failed["result"]["rolled_back"], failed["result"]
    applied = ok("apply", str(good), "--dsn", fresh_db, "--out", str(out / "apply-good"))
    dump = applied["result"]["backup"]["dump"]
    (tmp_path / "expect.toml").write_text(EXPECT_TOML)
    ok(
        "verify-backup",
        str(dump),
        "--expect",
        str(tmp_path / "expect.toml"),
        "--dsn",
        fresh_db,
        "--out",
        str(out / "verify-backup"),
    )

    seen = _validate_tree(out)
    assert set(seen) == {"probe", "check", "rehearse", "apply", "backup", "verify-backup", "fingerprint"}, seen
    assert len(seen["apply"]) == 2 and len(seen["backup"]) == 2, seen
    fingerprints = set(seen["fingerprint"])
    assert {
        "exact.json",
        "estimate.json",
        "probe/probes/probe.json",
        "apply-fails/probes/after-rollback.json",
        "apply-good/probes/before.json",
        "apply-good/probes/after.json",
    } <= fingerprints, fingerprints
    exact = json.loads((out / "exact.json").read_text())
    assert exact["rows_mode"] == "exact" and exact["rows"] and exact["queries"] == {"units": "40", "nothing": None}


def test_the_schemas_catch_a_changed_file(fresh_db: str, tmp_path: Path) -> None:
    """The schemas are strict enough to notice drift: a renamed field or a wrong status is an error."""
    assert run_cli("probe", "--dsn", fresh_db, "--out", str(tmp_path / "kit")).returncode == 0
    run = json.loads((tmp_path / "kit" / "run.json").read_text())
    fp = json.loads((tmp_path / "kit" / "probes" / "probe.json").read_text())
    assert errors("run", run) == [] and errors("fingerprint", fp) == []
    assert errors("run", {**run, "status": "OK"})
    assert errors("run", {**run, "status": "PASS", "gates": [{**run["gates"][0], "status": "FAIL"}]})
    assert errors("run", {**run, "gates": [{**run["gates"][0], "name": "execute"}]}), "probe has no execute gate"
    assert errors("run", {**run, "extra": 1})
    assert errors("fingerprint", {**fp, "version": 2})
    assert errors("fingerprint", {**fp, "rows": {"public.t": 3}}), "rows mode none counts no rows"
    entry = fp["entries"][0] if fp["entries"] else {"kind": "table", "name": "t", "hash": "0" * 64, "definition": "{}"}
    assert errors("fingerprint", {**fp, "entries": [{**entry, "hash": "ABC"}]})
    assert errors("fingerprint", {**fp, "entries": [{**entry, "kind": "tabel"}]})
