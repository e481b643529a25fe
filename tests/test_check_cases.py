"""Table-driven lint tests: one directory per case under tests/lint_cases/, run through the real CLI.

Each case is a package plus ``expected.toml``: the exit code, the findings (rule, bundle,
file:line:col, severity) for exit 0/1, or the text stderr must contain for exit 2. A new case costs
one folder. No database is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgwarden.evidence.verify import verify_kit
from tests._package_helpers import case_dirs, expected_keys, finding_keys, load_expected, prepare
from tests.conftest import result_of

CASES = case_dirs()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_lint_case(case: Path, tmp_path: Path, cli) -> None:
    expected = load_expected(case)
    pkg = prepare(case, tmp_path / case.name, expected)
    before = {p.name: p.read_bytes() for p in pkg.iterdir() if p.is_file()}
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--json", "--out", str(kit))
    assert r.returncode == expected["exit"], f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert {p.name: p.read_bytes() for p in pkg.iterdir() if p.is_file()} == before, "check changed the package"
    if expected["exit"] == 2:
        for text in expected.get("stderr_contains", []):
            assert text in r.stderr, r.stderr
        assert not kit.exists(), "bad input must not write a kit"
        return
    data = result_of(r)
    got = finding_keys(data["findings"])
    assert got == expected_keys(expected), json.dumps(data["findings"], indent=1)
    for f in expected.get("finding", []):
        if "message_contains" in f:
            match = [
                x
                for x in data["findings"]
                if x["rule"] == f["rule"] and f"{x['file']}:{x['line']}:{x['col']}" == f["at"]
            ]
            assert any(f["message_contains"] in x["message"] for x in match), match
    assert data["verdict"] == ("PASS" if expected["exit"] == 0 else "FAIL")
    assert verify_kit(kit).ok
