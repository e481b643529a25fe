"""``pgwarden init NAME`` scaffolds a package that passes ``check`` (and whose kit verifies)."""

from __future__ import annotations

from pathlib import Path

from pgwarden import proc
from tests.conftest import result_of


def test_init_then_check_passes(tmp_path: Path, cli) -> None:
    r = cli("init", "2026-05-add-vocab", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = result_of(r)
    pkg = tmp_path / "2026-05-add-vocab"
    assert data["package"] == "2026-05-add-vocab"
    assert sorted(p.name for p in pkg.iterdir()) == ["A.rollback.sql", "A.sql", "pgwarden.sum", "pgwarden.toml"]
    assert proc.run(["sha256sum", "-c", "pgwarden.sum"], cwd=pkg, check=False).returncode == 0
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--out", str(kit))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS (0 error(s), 0 warning(s))" in r.stdout
    v = cli("evidence", "verify", str(kit))
    assert v.returncode == 0, v.stdout + v.stderr
    # the scaffold is a real starting point: an edit is drift until it is locked again
    with open(pkg / "A.sql", "a", encoding="utf-8") as f:
        f.write("CREATE INDEX ON public.pkg_2026_05_add_vocab_example (created_at);\n")
    r = cli("check", str(pkg), "--out", str(tmp_path / "kit2"))
    assert r.returncode == 2 and "A.sql: changed since lock" in r.stderr


def test_init_refuses_a_non_empty_directory(tmp_path: Path, cli) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    r = cli("init", str(target))
    assert r.returncode == 2
    assert "already exists and is not an empty directory" in r.stderr
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_init_refuses_a_bad_name(tmp_path: Path, cli) -> None:
    r = cli("init", "bad name!", cwd=tmp_path)
    assert r.returncode == 2
    assert "package name 'bad name!'" in r.stderr
    assert list(tmp_path.iterdir()) == []
