"""``pgwarden check --format text|gcc|json|sarif|github``: where reviewers already look.

The SARIF logs are validated against the official SARIF 2.1.0 JSON Schema, vendored as
``tests/fixtures/sarif-schema-2.1.0.json``: the OASIS errata01 schema
(id ``https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json``), taken
unchanged from ``sarif-2.1/schema/sarif-schema-2.1.0.json`` of the OASIS TC's repository ``oasis-tcs/sarif-spec``
(sha256 c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import psycopg
import pytest

from pgwarden.cli.formats import FORMATS, Format
from pgwarden.cli.github import escape_data, escape_property, workflow_command
from pgwarden.package.lock import lock
from pgwarden.rules import Family, Rule
from tests._apply_helpers import B, write_package
from tests._package_helpers import CASES_DIR
from tests.conftest import envelope, run_cli

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
ANNOTATION = re.compile(r"^::(?P<kind>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=pgwarden tests", "-c", "user.email=tests@pgwarden.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    """No git repository above ``tmp_path`` is found, whatever holds the test's temporary directory."""
    return {"GIT_CEILING_DIRECTORIES": str(tmp_path), **more}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the failing package ``changes/forbid`` (five policy.forbid errors)."""
    root = tmp_path / "repo"
    root.mkdir()
    _git("init", "-q", cwd=root)
    pkg = root / "changes" / "forbid"
    shutil.copytree(CASES_DIR / "forbid_fail", pkg, ignore=shutil.ignore_patterns("expected.toml"))
    lock(pkg)
    return root


def validate_sarif(log: dict[str, Any]) -> None:
    """The official schema, with its formats; URIs (the formats no installed checker knows) checked here."""
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    for run in log["runs"]:
        for base in run.get("originalUriBaseIds", {}).values():
            parts = urlsplit(base["uri"])
            assert parts.scheme == "file" and base["uri"].endswith("/"), base  # absolute, a directory
        for result in run["results"]:
            for loc in result["locations"]:
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert " " not in uri and urlsplit(uri).scheme in ("", "file"), uri


def _resolve(run: dict[str, Any], location: dict[str, Any]) -> Path:
    """Where an artifactLocation points, as a code-scanning tool resolves it."""
    art = location["physicalLocation"]["artifactLocation"]
    if "uriBaseId" in art:
        base = Path(unquote(urlsplit(run["originalUriBaseIds"][art["uriBaseId"]]["uri"]).path))
        return base / unquote(art["uri"])
    return Path(unquote(urlsplit(art["uri"]).path))


def test_sarif_of_a_failing_package_validates_and_is_relative_to_the_repository_root(
    repo: Path, tmp_path: Path
) -> None:
    cwd = repo / "changes"  # not the root: the SARIF paths are still relative to it, the gcc lines to here
    r = run_cli("check", "forbid", "--no-kit", "--format", "sarif", cwd=cwd, env=_env(tmp_path))
    assert r.returncode == 1, r.stderr
    log = json.loads(r.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "pgwarden"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    rules = run["tool"]["driver"]["rules"]
    assert [x["id"] for x in rules] == ["policy.forbid"]
    assert rules[0]["help"]["text"] and "[policy] forbid" in rules[0]["help"]["markdown"]
    assert (rules[0]["shortDescription"]["text"], rules[0]["fullDescription"]["text"]) == (
        Rule.POLICY_FORBID.short,
        Rule.POLICY_FORBID.help,
    )
    assert rules[0]["name"] == "PolicyForbid" and "policy" in rules[0]["properties"]["tags"]
    assert rules[0]["defaultConfiguration"]["level"] == "error"
    results = run["results"]
    assert len(results) == 5 and {x["level"] for x in results} == {"error"}
    first = results[0]
    assert first["ruleId"] == "policy.forbid" and rules[first["ruleIndex"]]["id"] == "policy.forbid"
    art = first["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "changes/forbid/A.sql", "uriBaseId": "%SRCROOT%", "index": 1}
    region = first["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 1)
    assert "DROP TABLE" in first["message"]["text"]
    assert [
        (
            x["locations"][0]["physicalLocation"]["region"]["startLine"],
            x["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for x in results
    ] == [(2, 1), (3, 1), (4, 27), (5, 1), (8, 5)]
    for x in results:
        assert _resolve(run, x["locations"][0]).resolve() == (repo / "changes" / "forbid" / "A.sql").resolve()
    assert {a["location"]["uri"] for a in run["artifacts"]} == {
        "changes/forbid/pgwarden.toml",
        "changes/forbid/A.sql",
        "changes/forbid/A.rollback.sql",
    }
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_outside_a_repository_is_relative_to_the_current_directory(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(CASES_DIR / "forbid_fail", work / "pkgs" / "forbid", ignore=shutil.ignore_patterns("expected.toml"))
    lock(work / "pkgs" / "forbid")
    r = run_cli("check", "pkgs/forbid", "--no-kit", "--format", "sarif", cwd=work, env=_env(tmp_path))
    assert r.returncode == 1, r.stderr
    log = json.loads(r.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == work.resolve().as_uri() + "/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkgs/forbid/A.sql"


def test_sarif_of_a_check_that_cannot_run_still_validates(repo: Path, tmp_path: Path) -> None:
    with open(repo / "changes" / "forbid" / "A.sql", "a", encoding="utf-8") as f:
        f.write("-- edited after review\n")
    r = run_cli("check", "changes/forbid", "--no-kit", "--format", "sarif", cwd=repo, env=_env(tmp_path))
    assert r.returncode == 2, r.stderr
    assert "integrity check failed for A.sql" in r.stderr  # stderr says so as always
    log = json.loads(r.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False and run["invocations"][0]["exitCode"] == 2
    uris = {x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in run["results"]}
    assert uris == {"changes/forbid/pgwarden.sum", "changes/forbid/A.sql"}
    assert {x["ruleId"] for x in run["results"]} == {"pgwarden.bad-input"}
    (rule,) = run["tool"]["driver"]["rules"]  # described from the registry, as every finding's rule is
    assert (rule["id"], rule["shortDescription"]["text"]) == ("pgwarden.bad-input", Rule.PGWARDEN_BAD_INPUT.short)


def test_sarif_of_a_live_check_names_preflight_and_data_rules(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE app_user (id int PRIMARY KEY, email text);"
            "INSERT INTO app_user VALUES (1, 'a@example.com'), (2, 'dup@x'), (3, 'dup@x')"
        )
    pkg = write_package(
        tmp_path / "work" / "live",
        [
            B("A", "CREATE UNIQUE INDEX app_user_email_key ON app_user (email);\n", "DROP INDEX app_user_email_key;\n"),
            B(
                "B",
                "ALTER TABLE no_such_table ADD COLUMN note text;\n",
                "ALTER TABLE no_such_table DROP COLUMN note;\n",
            ),
        ],
        settings={"lock_timeout": "5s"},
    )
    r = run_cli(
        "check",
        "live",
        "--dsn",
        fresh_db,
        "--data-checks",
        "--no-kit",
        "--format",
        "sarif",
        cwd=pkg.parent,
        env=_env(tmp_path),
    )
    assert r.returncode == 1, r.stdout + r.stderr
    log = json.loads(r.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    by_rule = {x["ruleId"]: x for x in run["results"]}
    assert "preflight.data.unique" in by_rule, sorted(by_rule)
    unique = by_rule["preflight.data.unique"]
    assert unique["level"] == "error" and unique["properties"]["sqlstate"] == "23505"
    assert unique["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "live/A.sql"
    missing = [x for x in run["results"] if x["properties"].get("bundle") == "B" and x["level"] == "error"]
    assert missing and all(x["ruleId"].startswith("preflight.") for x in missing)
    rules = {x["id"]: x for x in run["tool"]["driver"]["rules"]}
    assert set(rules) == set(by_rule) and "23505" in rules["preflight.data.unique"]["help"]["text"]


def _annotations(stdout: str) -> list[dict[str, Any]]:
    """Parse GitHub workflow commands the way the runner does: properties split on ',' then '=', unescaped."""

    def unescape(s: str) -> str:
        return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")

    out = []
    for line in stdout.splitlines():
        m = ANNOTATION.match(line)
        if m:
            props = dict(p.split("=", 1) for p in (m["props"] or "").split(",") if p)
            out.append(
                {"kind": m["kind"], "message": unescape(m["message"]), **{k: unescape(v) for k, v in props.items()}}
            )
    return out


def test_github_annotations_parse_and_the_summary_is_appended(repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    cwd = repo / "changes"
    r = run_cli(
        "check",
        "forbid",
        "--out",
        str(tmp_path / "kit"),
        "--format",
        "github",
        cwd=cwd,
        env=_env(tmp_path, GITHUB_STEP_SUMMARY=str(summary)),
    )
    assert r.returncode == 1, r.stderr
    notes = _annotations(r.stdout)
    assert len(notes) == 5 and {n["kind"] for n in notes} == {"error"}
    assert [(n["file"], n["line"], n["col"]) for n in notes] == [
        ("forbid/A.sql", "2", "1"),
        ("forbid/A.sql", "3", "1"),
        ("forbid/A.sql", "4", "27"),
        ("forbid/A.sql", "5", "1"),
        ("forbid/A.sql", "8", "5"),
    ]
    assert all((cwd / n["file"]).is_file() for n in notes)  # relative to the current directory
    assert notes[0]["title"] == "pgwarden policy.forbid (bundle A)"
    message = notes[0]["message"]
    assert message.startswith("DROP TABLE is forbidden") and "\nStatement: DROP TABLE" in message
    assert r.stdout.rstrip().splitlines()[-1].startswith("pgwarden check: forbid: FAIL (5 error(s)")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")  # appended, not replaced
    assert text.split("# earlier step\n", 1)[1] == (tmp_path / "kit" / "SUMMARY.md").read_text(encoding="utf-8") + "\n"


def test_github_annotates_a_stale_package_on_its_files(repo: Path, tmp_path: Path) -> None:
    with open(repo / "changes" / "forbid" / "A.sql", "a", encoding="utf-8") as f:
        f.write("-- edited after review\n")
    summary = tmp_path / "step-summary.md"
    r = run_cli(
        "check",
        "changes/forbid",
        "--no-kit",
        "--format",
        "github",
        cwd=repo,
        env=_env(tmp_path, GITHUB_STEP_SUMMARY=str(summary)),
    )
    assert r.returncode == 2, r.stderr
    notes = _annotations(r.stdout)
    assert {n["file"] for n in notes} == {"changes/forbid/pgwarden.sum", "changes/forbid/A.sql"}
    assert all(n["kind"] == "error" and n["title"] == "pgwarden check: bad-input" for n in notes)
    assert "changed since lock" in summary.read_text(encoding="utf-8")


def test_workflow_command_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    line = workflow_command("warning", "x: y, 50%\nz", file="dir,a/b:c.sql", line=3, col=None, title="t: 1, 2")
    assert line == "::warning file=dir%2Ca/b%3Ac.sql,line=3,title=t%3A 1%2C 2::x: y, 50%25%0Az"
    assert _annotations(line) == [
        {"kind": "warning", "message": "x: y, 50%\nz", "file": "dir,a/b:c.sql", "line": "3", "title": "t: 1, 2"}
    ]


def test_json_gcc_and_text_paths_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    pkg = tmp_path / "pkgs" / "forbid"
    shutil.copytree(CASES_DIR / "forbid_fail", pkg, ignore=shutil.ignore_patterns("expected.toml"))
    lock(pkg)
    work = tmp_path / "work"
    work.mkdir()
    r = run_cli("check", str(pkg), "--no-kit", "--format", "json", cwd=work, env=_env(tmp_path))
    assert r.returncode == 1, r.stderr
    body = json.loads(r.stdout)
    assert body["format"] == "pgwarden-check-findings" and body["verdict"] == "FAIL" and body["errors"] == 5
    assert body["package_dir"] == "../pkgs/forbid"
    first = body["findings"][0]
    assert (first["file"], first["package_file"]) == ("../pkgs/forbid/A.sql", "A.sql")
    assert (first["line"], first["col"]) == (2, 1)
    assert first["rule"] == "policy.forbid" and first["severity"] == "error" and first["bundle"] == "A"
    piped = run_cli("check", str(pkg), "--no-kit", cwd=work, env=_env(tmp_path))  # no --format, piped: gcc
    assert piped.returncode == 1
    assert "../pkgs/forbid/A.sql:2:1: error: policy.forbid [bundle A]: DROP TABLE is forbidden" in piped.stdout
    text = run_cli("check", str(pkg), "--no-kit", "--format", "text", cwd=work, env=_env(tmp_path, COLUMNS="200"))
    assert text.returncode == 1 and "\x1b[" not in text.stdout  # no colour into a pipe
    assert "locked order" in text.stdout and "../pkgs/forbid/A.sql:2:1" in text.stdout


def test_json_envelope_and_format_are_distinct(tmp_path: Path) -> None:
    pkg = tmp_path / "forbid"
    shutil.copytree(CASES_DIR / "forbid_fail", pkg, ignore=shutil.ignore_patterns("expected.toml"))
    lock(pkg)
    r = run_cli("check", str(pkg), "--no-kit", "--json", cwd=tmp_path)
    assert r.returncode == 1 and envelope(r)["result"]["verdict"] == "FAIL"  # --json: the envelope, as always
    r = run_cli("check", str(pkg), "--no-kit", "--json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 2 and envelope(r)["status"] == "BAD_INPUT"  # both: a usage error, as an envelope
    assert "give one" in envelope(r)["error"]["message"]
    r = run_cli("check", str(pkg), "--format", "xml", cwd=tmp_path)
    assert r.returncode == 2 and "xml" in r.stderr


def test_every_format_is_offered_and_every_lint_rule_has_its_own_help() -> None:
    assert FORMATS == tuple(f.value for f in Format) == ("text", "gcc", "json", "sarif", "github")
    src = Path(__file__).resolve().parents[1] / "src" / "pgwarden" / "package" / "lint"
    fired = set()
    for path in src.glob("*.py"):
        fired |= set(re.findall(r"\bRule\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    assert len(fired) >= 15, f"the lint's rules were not found: {fired}"
    for name in sorted(fired):
        rule = Rule[name]
        assert rule.own_help and rule.help == rule.own_help and rule.short, rule  # its own text, not its family's
    replaced = Rule.PREFLIGHT_REPLACE_DEFAULTS_REMOVED  # a preflight refusal: its own line, the family's help
    assert replaced.short == "CREATE OR REPLACE that removes parameter defaults"
    assert replaced.help == Family.PREFLIGHT.help and replaced.help.startswith("`pgwarden check --dsn` predicts")


def test_a_waived_finding_is_a_suppressed_note_in_sarif_and_a_notice_on_github(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(CASES_DIR / "forbid_fail", work / "pkg", ignore=shutil.ignore_patterns("expected.toml"))
    manifest = work / "pkg" / "pgwarden.toml"
    bundle = next(line.split('"')[1] for line in manifest.read_text().splitlines() if line.startswith("id = "))
    manifest.write_text(
        manifest.read_text() + f'\n[[waiver]]\nbundle = "{bundle}"\nrule = "policy"\n'
        'reason = "historical, applied everywhere"\n'
    )
    lock(work / "pkg")
    r = run_cli("check", "pkg", "--no-kit", "--format", "sarif", cwd=work, env=_env(tmp_path))
    log = json.loads(r.stdout)
    validate_sarif(log)
    waived = [x for x in log["runs"][0]["results"] if x.get("suppressions")]
    assert waived and all(x["level"] == "note" for x in waived)
    assert waived[0]["suppressions"][0]["justification"] == "historical, applied everywhere"
    r = run_cli("check", "pkg", "--no-kit", "--format", "github", cwd=work, env=_env(tmp_path))
    kinds = {a["kind"] for a in _annotations(r.stdout) if "WAIVED" in a["message"]}
    assert kinds == {"notice"}, r.stdout
