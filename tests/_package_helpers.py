"""Helpers for the change-package tests: copy a case package, lock it, mutate it, compare findings."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

from pgwarden.package.lock import lock

CASES_DIR = Path(__file__).parent / "lint_cases"


def case_dirs() -> list[Path]:
    return sorted(p for p in CASES_DIR.iterdir() if (p / "expected.toml").is_file())


def load_expected(case: Path) -> dict[str, Any]:
    return tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))


def prepare(case: Path, dest: Path, expected: dict[str, Any]) -> Path:
    """Copy the case package to ``dest``, lock it (unless ``lock = false``), then apply ``after_lock``."""
    shutil.copytree(case, dest, ignore=shutil.ignore_patterns("expected.toml"))
    if expected.get("lock", True):
        lock(dest)
    after = expected.get("after_lock", {})
    for rel in after.get("crlf", []):
        p = dest / rel
        p.write_bytes(re.sub(rb"(?<!\r)\n", b"\r\n", p.read_bytes()))
    for rel, text in after.get("write", {}).items():
        (dest / rel).write_text(text, encoding="utf-8")
    for rel, text in after.get("append", {}).items():
        with open(dest / rel, "a", encoding="utf-8") as f:
            f.write(text)
    for rel in after.get("delete", []):
        (dest / rel).unlink()
    return dest


def finding_keys(findings: list[dict[str, Any]]) -> set[tuple[str, str | None, str, str]]:
    return {(f["rule"], f["bundle"], f"{f['file']}:{f['line']}:{f['col']}", f["severity"]) for f in findings}


def expected_keys(expected: dict[str, Any]) -> set[tuple[str, str | None, str, str]]:
    return {(f["rule"], f.get("bundle"), f["at"], f.get("severity", "error")) for f in expected.get("finding", [])}
