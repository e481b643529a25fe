"""The rule registry (``pgwarden/rules.py``): one row per rule id, every id a finding carries comes from it, no rule
id stays a free string in the code, a ``[[waiver]]`` naming no rule is bad input, and the docs name only real rules."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from pgwarden.errors import BadInput, PgwardenError
from pgwarden.package.manifest import load_package
from pgwarden.preflight.data.execute import RULES as DATA_RULES
from pgwarden.preflight.data.plan import CheckKind
from pgwarden.rules import Family, Rule, Severity, close_waiver_names, for_error, lookup, waiver_names
from pgwarden.rules_help import HELP
from pgwarden.schemas import load_schema
from tests._apply_helpers import B, write_package
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pgwarden"

# Strings in the code equal to a rule id that are not one: (file under src/pgwarden, string) -> why.
NOT_A_RULE = {
    ("package/sections.py", "policy.forbid"): "the manifest key path [policy] forbid, in an error message",
    ("package/sections.py", "policy.forbid_calls"): "the manifest key path [policy] forbid_calls",
}


def _source_files() -> list[Path]:
    """Every module but the registry: rules.py and its help texts, rules_help.py, keyed by rule id."""
    return [p for p in sorted(SRC.rglob("*.py")) if p not in (SRC / "rules.py", SRC / "rules_help.py")]


def test_every_rule_is_a_well_formed_row() -> None:
    assert len(Rule.__members__) == len(Rule) > 60, "two rows share an id (an Enum alias)"
    for rule in Rule:
        assert rule.name == rule.value.upper().replace(".", "_").replace("-", "_"), rule
        assert rule.value == rule.family or rule.value.startswith(rule.family + "."), (rule, rule.family)
        assert rule.short.strip() == rule.short != "" and not rule.short.endswith("."), rule  # SARIF adds a "."
        assert rule.help and rule.help == (rule.own_help or rule.family.help), rule
        assert rule.severity in (Severity.ERROR, Severity.WARNING), rule
        assert lookup(rule.value) is rule and rule == rule.value and f"{rule}" == rule.value
    for family in Family:
        assert family.short and family.help and any(r.family is family for r in Rule), family
    assert len({r.short for r in Rule}) == len(Rule), "two rules read the same in SARIF"
    assert set(HELP) <= {r.value for r in Rule}, set(HELP) - {r.value for r in Rule}  # no help for no rule
    assert all(text.strip() == text != "" for text in HELP.values())


def test_lookup_refuses_an_unknown_id() -> None:
    with pytest.raises(ValueError, match=re.escape("unknown rule id 'policy.forbd'")):
        lookup("policy.forbd")
    with pytest.raises(ValueError):
        lookup("policy")  # a family, not a rule


def _used_names() -> set[str]:
    used: set[str] = set()
    for path in _source_files():
        used |= set(re.findall(r"\bRule\.([A-Z][A-Z0-9_]*)\b", path.read_text(encoding="utf-8")))
    return used


def _categories(cls: type[PgwardenError]) -> set[str]:
    return {cls.category} | {c for sub in cls.__subclasses__() for c in _categories(sub)}


def test_every_rule_is_emitted_somewhere() -> None:
    """A rule nothing reports is dead help text: each is named where findings are made, or is the SARIF rule of
    an error category."""
    used = _used_names()
    assert used <= set(Rule.__members__), used - set(Rule.__members__)
    errors = {for_error(c) for c in _categories(PgwardenError)}  # every category has its rule
    unused = [r for r in Rule if r.name not in used and r not in errors]
    assert not unused, f"rules nothing emits: {unused}"
    assert {r for r in Rule if r.family is Family.PGWARDEN} == errors


def test_each_data_check_kind_reports_its_own_rule() -> None:
    assert set(DATA_RULES) == set(CheckKind)
    for kind, rule in DATA_RULES.items():
        assert rule == f"preflight.data.{kind}" and rule.family is Family.DATA


def test_no_rule_id_is_a_free_string() -> None:
    """Findings name ``Rule.X``: a string literal equal to a rule id (outside the registry) is a rule that is not
    one, so a typo could not be caught."""
    ids = {r.value for r in Rule}
    found = []
    for path in _source_files():
        rel = path.relative_to(SRC).as_posix()
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type == tokenize.STRING and tok.string[:1] in "\"'":
                text = tok.string[1:-1]
                if text in ids and (rel, text) not in NOT_A_RULE:
                    found.append(f"{rel}:{tok.start[0]}: {tok.string}")
    assert not found, "use Rule.X:\n" + "\n".join(found)


def test_waiver_names_are_waivable_ids_and_their_families() -> None:
    names = waiver_names()
    assert {
        "policy",
        "policy.forbid",
        "preflight",
        "preflight.data",
        "preflight.data.unique",
        "meta_command",
        "txn",
    } <= names
    assert {r.value for r in Rule if r.waivable} <= names
    assert not names & {"waiver", "waiver.unused", "pgwarden", "pgwarden.bad-input", "policy.forbd", "polic", ""}
    assert close_waiver_names("policy.forbd")[0] == "policy.forbid"
    assert close_waiver_names("zzzz") == []


def test_the_manifest_schema_lists_what_a_waiver_may_name() -> None:
    """Editors complete ``rule =`` from the schema; it and the loader agree (regenerate with this list)."""
    enum = load_schema("manifest")["$defs"]["ruleId"]["enum"]
    assert enum == sorted(waiver_names()), f"regenerate $defs.ruleId.enum:\n{sorted(waiver_names())}"


def _waived_package(tmp_path: Path, rule: str) -> Path:
    """A locked package whose second waiver names ``rule`` (added after the lock: lock loads the manifest too)."""
    pkg = write_package(
        tmp_path / "pkg",
        [B("A", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"), B("B", "DROP TABLE old_stuff;\n", None)],
        extra='[policy]\nforbid = ["DROP TABLE"]\n\n'
        '[[waiver]]\nbundle = "B"\nrule = "policy"\nreason = "historical"\n\n',
    )
    with open(pkg / "pgwarden.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[[waiver]]\nbundle = "B"\nrule = "{rule}"\nreason = "historical too"\n')
    return pkg


def test_a_waiver_of_an_unknown_rule_is_bad_input_naming_it(tmp_path: Path) -> None:
    pkg = _waived_package(tmp_path, "policy.forbd")
    r = run_cli("check", str(pkg))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "pgwarden.toml: waiver[2].rule: 'policy.forbd' names no rule" in r.stderr, r.stderr
    assert "did you mean 'policy.forbid'" in r.stderr, r.stderr
    assert "integrity" not in r.stderr  # the manifest is judged first: this is the one problem shown
    assert "waiver[1]" not in r.stderr  # a family ("policy") is a name a waiver may give
    with pytest.raises(BadInput) as err:
        load_package(pkg)
    assert err.value.exit_code == 2 and str(pkg / "pgwarden.toml") in err.value.message


@pytest.mark.parametrize(
    "rule", ["waiver.unused", "pgwarden.bad-input", "pgwarden", "Policy.forbid", "policy.", "preflight.data.unique.x"]
)
def test_waivers_name_only_rules_a_finding_can_carry(tmp_path: Path, rule: str) -> None:
    with pytest.raises(BadInput) as err:
        load_package(_waived_package(tmp_path, rule))
    assert f"waiver[2].rule: {rule!r} names no rule" in err.value.message


@pytest.mark.parametrize("rule", ["policy.forbid", "policy", "preflight.data", "preflight.replace", "meta_command"])
def test_a_waiver_of_a_rule_or_a_family_loads(tmp_path: Path, rule: str) -> None:
    assert load_package(_waived_package(tmp_path, rule)).waivers[1].rule == rule


_DOTTED = re.compile(r"`([a-z_]+(?:\.[a-z_-]+)+)`|rule = \"([^\"]+)\"|: (?:error|warning): ([a-z_.-]+)")
_FILES = ("sum", "toml", "json", "jsonl", "py", "sql", "conf", "html", "md", "plan", "changes", "txt", "yaml")


def test_the_docs_name_only_real_rules() -> None:
    """README.md and the design name rule ids in prose, examples and the manifest's sample: each is a real rule,
    or a family a waiver may name."""
    known = waiver_names() | {r.value for r in Rule}
    families = {f.value.split(".")[0] for f in Family}
    for doc in (ROOT / "README.md", ROOT / "docs"):
        for path in [doc] if doc.is_file() else sorted(doc.rglob("*.md")) if doc.is_dir() else []:
            named = {m for groups in _DOTTED.findall(path.read_text(encoding="utf-8")) for m in groups if m}
            rules = {n for n in named if n.split(".")[0] in families and n.rsplit(".", 1)[-1] not in _FILES}
            assert rules <= known, (path.name, sorted(rules - known))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "src/pgwarden/rules.py" in readme and "`rule`" in readme
