"""Benchmark: ``pgwarden check`` (no database) of a generated 2,000-statement package. Target ≤ 1 s.

Run: ``.venv/bin/python bench/check.py [--statements N] [--repeat R]``. Prints the median wall time of
the library call with and without writing the evidence kit, and of the CLI end to end (including
Python start-up), and the ratio to the 1 s target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgwarden.check.check import check
from pgwarden.package.lock import lock

POLICY = """[policy]
forbid = ["DROP TABLE", "TRUNCATE", "DROP SCHEMA"]
forbid_calls = ["public.fn_iu_enact(*, *, false)", "public.fn_purge"]
protected_tables = ["public.information_unit", "public.ledger"]
"""


def _bundle_sql(b: int, n: int) -> tuple[str, str]:
    """``n`` statements of the kinds real packages hold: tables, indexes, data, functions, DO blocks."""
    out, undo = [], []
    for i in range(n):
        t = f"public.t_{b}_{i}"
        match i % 8:
            case 0:
                out.append(
                    f"CREATE TABLE {t} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
                    f"    state text NOT NULL DEFAULT 'draft',\n    note text\n);"
                )
                undo.append(f"DROP TABLE {t};")
            case 1:
                out.append(f"CREATE INDEX t_{b}_{i}_idx ON public.t_{b}_{i - 1} (state);")
            case 2:
                out.append(f"INSERT INTO public.t_{b}_{i - 2} (state, note) VALUES ('a', 'x'), ('b', 'y');")
            case 3:
                out.append(
                    f"CREATE FUNCTION public.f_{b}_{i}(p_id bigint) RETURNS text\nLANGUAGE plpgsql\n"
                    f"SET search_path = pg_catalog, public\nAS $$\nDECLARE\n    v text;\nBEGIN\n"
                    f"    SELECT note INTO v FROM public.t_{b}_{i - 3} WHERE id = p_id;\n"
                    f"    IF v IS NULL THEN\n        RAISE EXCEPTION 'missing %', p_id;\n    END IF;\n"
                    f"    PERFORM public.fn_iu_enact(gen_random_uuid(), v, true);\n    RETURN v;\nEND\n$$;"
                )
                undo.append(f"DROP FUNCTION public.f_{b}_{i}(bigint);")
            case 4:
                out.append(
                    f"DO $$\nBEGIN\n    UPDATE public.t_{b}_{i - 4} SET note = upper(note) WHERE state = 'a';\nEND\n$$;"
                )
            case 5:
                out.append(f"GRANT SELECT ON public.t_{b}_{i - 5} TO PUBLIC;")
            case 6:
                out.append(
                    f"WITH moved AS (DELETE FROM public.t_{b}_{i - 6} WHERE state = 'b' RETURNING *)\n"
                    f"INSERT INTO public.t_{b}_{i - 6} (state, note) SELECT 'c', note FROM moved;"
                )
            case _:
                out.append(f"COMMENT ON TABLE public.t_{b}_{i - 7} IS 'bench {b}/{i}';")
    return "\n\n".join(out) + "\n", "\n".join(reversed(undo)) + "\n"


def make_package(root: Path, statements: int, bundles: int = 10) -> Path:
    root.mkdir(parents=True)
    manifest = ['[package]\nname = "bench"\n\n[target]\nserver_major = 16\n\n', POLICY]
    per = statements // bundles
    for b in range(bundles):
        apply, undo = _bundle_sql(b, per)
        (root / f"b{b:02d}.sql").write_text(apply)
        (root / f"b{b:02d}.rollback.sql").write_text(undo)
        manifest.append(
            f'\n[[bundle]]\nid = "B{b:02d}"\ntitle = "bundle {b}"\napply = "b{b:02d}.sql"\n'
            f'rollback = "b{b:02d}.rollback.sql"\n'
        )
    (root / "pgwarden.toml").write_text("".join(manifest))
    lock(root)
    return root


def _time(fn: object, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU shows the cost when other processes compete for the cores)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--statements", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pkg = make_package(Path(tmp) / "pkg", args.statements)
        result = check(pkg, write_kit=False)
        n = sum(b.statements for b in result.bundles)
        rb = sum(b.rollback_statements for b in result.bundles)
        assert result.verdict == "PASS", [f.message for f in result.findings[:5]]
        no_kit = _time(lambda: check(pkg, write_kit=False), args.repeat)
        kits = iter(range(10_000))
        with_kit = _time(lambda: check(pkg, out=Path(tmp) / f"kit{next(kits)}"), args.repeat)
        cli, _ = _time(
            lambda: subprocess.run(
                [sys.executable, "-m", "pgwarden", "check", str(pkg), "--out", str(Path(tmp) / f"kit{next(kits)}")],
                check=True,
                capture_output=True,
            ),
            max(1, args.repeat // 2),
        )
    print(f"package: {n} apply statements + {rb} rollback statements in {len(result.bundles)} bundles")
    for label, (wall, cpu) in (("check (library, no kit)", no_kit), ("check (library, with kit)", with_kit)):
        print(f"{label:<26} median wall {wall:.3f} s  cpu {cpu:.3f} s  ratio to 1 s target {wall:.2f}")
    print(f"{'pgwarden check (CLI)':<26} median wall {cli:.3f} s  (includes Python start-up and imports)")
    print("PASS" if with_kit[0] <= 1.0 else "OVER TARGET (see cpu: the machine may be shared)")


if __name__ == "__main__":
    main()
