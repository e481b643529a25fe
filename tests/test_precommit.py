"""The pre-commit hook (``.pre-commit-hooks.yaml``) from a fresh clone, and ``pgwarden lock --check``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pgwarden.cli.precommit import packages_of
from pgwarden.errors import BadInput
from pgwarden.package.init import init
from pgwarden.package.lock import check_lock, lock
from tests._package_helpers import CASES_DIR
from tests.conftest import envelope, run_cli

REPO = Path(__file__).resolve().parents[1]
HOOKS = REPO / ".pre-commit-hooks.yaml"


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=pgwarden tests",
            "-c",
            "user.email=tests@pgwarden.invalid",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )


def hooks() -> dict[str, dict[str, str]]:
    """The hooks of ``.pre-commit-hooks.yaml`` (a flat list of maps of scalars: no YAML library needed)."""
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in HOOKS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(- |  )([a-z_]+):\s*(.*?)\s*(?:#.*)?$", line)
        if not m:
            continue
        if m[1] == "- ":
            current = {}
        assert current is not None, line
        value = m[3]
        current[m[2]] = value[1:-1] if value[:1] == value[-1:] == '"' and len(value) > 1 else value
        if m[2] == "id":
            out[value] = current
    return out


def run_hook(hook_id: str, files: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook's entry as pre-commit does: from the repository root, its args, then the file names.

    ``language: python`` puts the hook's own virtualenv first on PATH, so ``python`` in the entry is that
    environment's interpreter; here it is this one, which has pgwarden installed.
    """
    hook = hooks()[hook_id]
    argv = hook["entry"].split()
    assert argv[0] == "python"
    files = [f for f in files if re.search(hook["files"], f)]
    env = {**os.environ, "PGWARDEN_DSN": "host=/nonexistent dbname=never"}  # a hook never connects
    return subprocess.run(
        [sys.executable, *argv[1:], *files], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_the_hooks_file_declares_what_the_entry_is() -> None:
    found = hooks()
    assert set(found) == {"pgwarden-check", "pgwarden-lock-check"}
    for hook in found.values():
        assert hook["language"] == "python" and hook["entry"].startswith("python -m pgwarden.cli.precommit")
        assert hook["require_serial"] == "true" and hook["pass_filenames"] == "true"
        pattern = re.compile(hook["files"])
        assert all(pattern.search(f) for f in ("pgwarden.toml", "a/b/pgwarden.sum", "pkg/A.rollback.sql"))
        assert not any(pattern.search(f) for f in ("README.md", "pgwarden.toml.bak", "src/app.py"))


def test_the_hook_from_a_fresh_clone_fails_on_a_stale_package_and_passes_once_locked(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    _git("init", "-q", cwd=origin)
    r = run_cli("init", "changes/add-widget", cwd=origin)
    assert r.returncode == 0, r.stderr
    (origin / "README.md").write_text("change packages\n")
    _git("add", "-A", cwd=origin)
    _git("commit", "-qm", "a reviewed, locked package", cwd=origin)
    clone = tmp_path / "clone"
    _git("clone", "-q", str(origin), str(clone), cwd=tmp_path)
    files = _git("ls-files", cwd=clone).stdout.split()
    assert "changes/add-widget/pgwarden.sum" in files

    r = run_hook("pgwarden-check", files, clone)  # pre-commit run --all-files
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pgwarden check: add-widget: PASS" in r.stdout
    assert list(clone.glob("**/pgwarden-runs")) == []  # --no-kit: nothing written

    with open(clone / "changes" / "add-widget" / "A.sql", "a", encoding="utf-8") as f:
        f.write("-- an edit nobody reviewed\n")
    sum_before = (clone / "changes" / "add-widget" / "pgwarden.sum").read_bytes()
    r = run_hook("pgwarden-check", ["changes/add-widget/A.sql"], clone)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "integrity check failed for A.sql" in r.stderr and "A.sql: changed since lock" in r.stderr
    assert "1 of 1 package(s) did not pass: changes/add-widget" in r.stderr
    r = run_hook("pgwarden-lock-check", ["changes/add-widget/A.sql"], clone)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "changes/add-widget: pgwarden.sum is stale: A.sql" in r.stdout
    assert "changes/add-widget/A.sql: changed since lock" in r.stdout
    assert (clone / "changes" / "add-widget" / "pgwarden.sum").read_bytes() == sum_before  # nothing written

    lock(clone / "changes" / "add-widget")  # the review done: `pgwarden lock`
    for hook_id in ("pgwarden-check", "pgwarden-lock-check"):
        r = run_hook(hook_id, ["changes/add-widget/A.sql", "changes/add-widget/pgwarden.sum"], clone)
        assert r.returncode == 0, (hook_id, r.stdout + r.stderr)

    # a second package, added but never locked, and a policy error in a third: each checked once
    init(str(clone / "changes" / "unlocked"))
    (clone / "changes" / "unlocked" / "pgwarden.sum").unlink()
    shutil.copytree(CASES_DIR / "forbid_fail", clone / "changes" / "forbid", ignore=shutil.ignore_patterns("*.toml"))
    shutil.copy(CASES_DIR / "forbid_fail" / "pgwarden.toml", clone / "changes" / "forbid")
    lock(clone / "changes" / "forbid")
    changed = [
        "changes/unlocked/A.sql",
        "changes/unlocked/pgwarden.toml",
        "changes/forbid/A.sql",
        "changes/forbid/A.rollback.sql",
        "changes/add-widget/A.sql",
        "README.md",
    ]
    r = run_hook("pgwarden-check", changed, clone)
    assert r.returncode == 2, r.stdout + r.stderr  # the worst: bad input
    assert "changes/unlocked/pgwarden.sum: not found: the package is not locked" in r.stderr
    assert "changes/forbid/A.sql:2:1: error: policy.forbid [bundle A]" in r.stdout  # relative to the root
    assert r.stdout.count("pgwarden check: forbid: FAIL") == 1 and "pgwarden check: add-widget: PASS" in r.stdout
    assert "2 of 3 package(s) did not pass: changes/unlocked, changes/forbid" in r.stderr


def test_files_map_to_their_nearest_package_and_never_into_a_kit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for d in ("pkgs/a", "pkgs/a/nested", "root-level"):
        Path(d).mkdir(parents=True)
        Path(d, "pgwarden.toml").write_text("")
    kit = Path("pkgs/a/pgwarden-runs/20250101T000000Z-check")
    (kit / "package").mkdir(parents=True)
    for name in ("SHA256SUMS", "run.json", "package/pgwarden.toml"):
        (kit / name).write_text("")
    other_kit = Path("evidence/kit1")
    (other_kit / "package").mkdir(parents=True)
    for name in ("SHA256SUMS", "run.json", "package/pgwarden.toml", "package/pgwarden.sum"):
        (other_kit / name).write_text("")
    assert packages_of(
        [
            "pkgs/a/A.sql",
            "pkgs/a/sub/dir/x.sql",
            "pkgs/a/nested/B.sql",
            "pkgs/a/pgwarden.toml",
            "root-level/pgwarden.sum",
            "elsewhere/x.sql",
            "notes.sql",
            f"{kit}/package/pgwarden.toml",
            f"{other_kit}/package/pgwarden.sum",
        ]
    ) == [Path("pkgs/a"), Path("pkgs/a/nested"), Path("root-level")]
    Path("pgwarden.toml").write_text("")  # a package at the repository root
    assert packages_of(["notes.sql"]) == [Path(".")]
    assert packages_of([]) == []


def test_lock_check_exit_codes_and_envelope(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    init(str(pkg))
    r = run_cli("lock", str(pkg), "--check")
    assert r.returncode == 0 and "pgwarden.sum: current (3 files pinned)" in r.stdout, r.stdout + r.stderr
    (pkg / "B.sql").write_text("SELECT 1;\n")
    manifest = (pkg / "pgwarden.toml").read_text()
    (pkg / "pgwarden.toml").write_text(
        manifest + '\n[[bundle]]\nid = "B"\ntitle = "b"\napply = "B.sql"\nrollback = "none"\nreason = "read-only"\n'
    )
    before = (pkg / "pgwarden.sum").read_bytes()
    r = run_cli("lock", str(pkg), "--check", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    body = envelope(r)
    assert body["status"] == "FAIL" and body["result"]["verdict"] == "FAIL"
    differ = {d["path"]: d["why"] for d in body["result"]["differ"]}
    assert set(differ) == {"pgwarden.toml", "B.sql"}
    assert differ["B.sql"].startswith("named by pgwarden.toml but not pinned")
    assert differ["pgwarden.toml"].startswith("changed since lock")
    assert (pkg / "pgwarden.sum").read_bytes() == before
    r = run_cli("lock", str(pkg), "--check")
    assert r.returncode == 1 and "stale: pgwarden.toml, B.sql" in r.stdout
    assert f"review the package, then run `pgwarden lock {pkg}`" in r.stdout
    (pkg / "pgwarden.sum").write_text(before.decode() + "not a pin\n")
    assert [d.path for d in check_lock(pkg).differ] == ["pgwarden.sum", "pgwarden.toml", "B.sql"]
    (pkg / "pgwarden.sum").unlink()
    never = check_lock(pkg)
    assert not never.current and {d.path for d in never.differ} == {"pgwarden.toml", "A.sql", "A.rollback.sql", "B.sql"}
    assert all("never locked" in d.why for d in never.differ) and not (pkg / "pgwarden.sum").exists()
    (pkg / "stray.sql").write_text("DROP TABLE x;\n")  # what lock refuses, --check refuses too
    with pytest.raises(BadInput, match=r"not named by pgwarden\.toml: stray\.sql"):
        check_lock(pkg)
    (pkg / "stray.sql").unlink()
    lock(pkg)
    assert check_lock(pkg).current and str(check_lock(pkg).verdict) == "PASS"


def _working_tree_copy(dest: Path) -> Path:
    """This repository's working tree (tracked and new files) committed into a new repository at ``dest``."""
    listed = _git("ls-files", "-co", "--exclude-standard", cwd=REPO).stdout.splitlines()
    for rel in listed:
        src = REPO / rel
        if src.is_file() and not rel.startswith(".venv/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("commit", "-qm", "pgwarden as it is being tested", cwd=dest)
    return dest


@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="the pre-commit tool is not installed")
@pytest.mark.skipif(
    os.environ.get("PGWARDEN_TEST_PRE_COMMIT") != "1",
    reason="slow (about 90 s: pre-commit pip-installs pgwarden twice); set PGWARDEN_TEST_PRE_COMMIT=1",
)
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """The real tool: it builds pgwarden into its own environment from the repository, as a user's would."""
    source = _working_tree_copy(tmp_path / "pgwarden")
    repo = tmp_path / "packages"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    assert run_cli("init", "changes/add-widget", cwd=repo).returncode == 0
    _git("add", "-A", cwd=repo)
    _git("commit", "-qm", "locked", cwd=repo)
    with open(repo / "changes" / "add-widget" / "A.sql", "a", encoding="utf-8") as f:
        f.write("-- unreviewed\n")
    _git("add", "-A", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    argv = ["pre-commit", "try-repo", str(source), "--all-files"]
    r = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 1 and "changed since lock" in r.stdout, r.stdout + r.stderr
    assert run_cli("lock", "changes/add-widget", cwd=repo).returncode == 0
    _git("add", "-A", cwd=repo)
    r = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
