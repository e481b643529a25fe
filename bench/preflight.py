"""Preflight speed: a 2,000-statement package against a catalog of 10,000 functions (PostgreSQL 18).

Target (design): ``check --dsn`` of a 2,000-statement package against 10,000 functions <= 2 s; with
``--data-checks`` (issue 14) <= 2 x that. Each bundle also carries four statements that depend on existing
rows (SET NOT NULL, ADD CHECK, a unique index, a foreign key) over 100,000-row tables, so 40 data checks
run, and every statement's lock impact is worked out.
Prints the median of 3 runs of: preflight on already-parsed files (what ``check`` hands over), the
same with sidecar capture into a kit, preflight parsing the files itself, and the whole
``pgwarden check PKG`` command without and with ``--dsn`` (fresh Python processes: imports, parse,
lint, kit; with --dsn also identity, preflight and sidecars). Also the number of server queries
preflight issued (batched: independent of the package size).

Run: .venv/bin/python bench/preflight.py [functions] [statements]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.evidence.kit import EvidenceKit
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.package.lock import lock
from pgwarden.package.manifest import load_package
from pgwarden.parsing.source import parse_source_file
from pgwarden.pg import binaries as pgbin
from pgwarden.preflight.run import run_preflight

TARGET_S = 2.0
RUNS = 3

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE app.account (id bigint PRIMARY KEY, owner text, balance numeric(12,2));
INSERT INTO app.account SELECT g, 'owner' || g, g FROM generate_series(1, 100000) g;
CREATE TABLE app.entry (id bigint PRIMARY KEY, account_id bigint, amount numeric(12,2));
INSERT INTO app.entry SELECT g, g, 1 FROM generate_series(1, 100000) g;
"""
BUILD = """
DO $$
BEGIN
  FOR i IN 1..%(n)s LOOP
    EXECUTE format('CREATE FUNCTION app.fn_%%s(p_id bigint, p_actor text, p_note text DEFAULT NULL::text) '
                   'RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, app '
                   'AS $b$ BEGIN RETURN %%s; END $b$', i, i);
    IF i %% 2000 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
"""


def package_sql(n_functions: int, n_statements: int, bundles: int) -> list[str]:
    """Mostly compatible replacements, some new overloads, one refusal per bundle (the seed's shape)."""
    per = n_statements // bundles
    out = []
    k = 0
    for b in range(bundles):
        lines = []
        for j in range(per):
            k += 1
            i = (k * 7919) % n_functions + 1
            if j == 0:  # the seed's mistake: the DEFAULT left out
                lines.append(
                    f"CREATE OR REPLACE FUNCTION app.fn_{i}(p_id bigint, p_actor text, p_note text) "
                    "RETURNS integer LANGUAGE plpgsql AS $b$ BEGIN RETURN 0; END $b$;"
                )
            elif j % 10 == 1:
                lines.append(f"CREATE FUNCTION app.fn_new_{k}(p_id bigint) RETURNS integer LANGUAGE sql AS 'SELECT 1';")
            elif j % 10 == 2:
                lines.append(f"GRANT EXECUTE ON FUNCTION app.fn_{i}(bigint, text, text) TO PUBLIC;")
            else:
                lines.append(
                    f"CREATE OR REPLACE FUNCTION app.fn_{i}(p_id bigint, p_actor text, "
                    "p_note text DEFAULT NULL::text) RETURNS integer LANGUAGE plpgsql "
                    f"AS $b$ BEGIN RETURN {k}; END $b$;"
                )
        lines[-4:] = [  # statements whose success depends on the rows: the data checks
            "ALTER TABLE app.account ALTER COLUMN owner SET NOT NULL;",
            f"ALTER TABLE app.account ADD CONSTRAINT account_balance_{b} CHECK (balance > -1000000);",
            f"CREATE UNIQUE INDEX account_owner_{b} ON app.account (owner, id);",
            f"ALTER TABLE app.entry ADD CONSTRAINT entry_account_{b} FOREIGN KEY (account_id) REFERENCES app.account;",
        ]
        if b == 0:
            lines.append("ALTER TABLE app.account ADD COLUMN gateway text;")
        out.append("\n".join(lines) + "\n")
    return out


def write_package(root: Path, bundles: list[str]) -> Path:
    root.mkdir()
    manifest = ["[package]", 'name = "bench"', ""]
    for n, sql in enumerate(bundles):
        (root / f"b{n}.sql").write_text(sql, encoding="utf-8")
        manifest += [
            "[[bundle]]",
            f'id = "B{n}"',
            f'title = "bundle {n}"',
            f'apply = "b{n}.sql"',
            'rollback = "none"',
            'reason = "bench"',
            "",
        ]
    (root / "pgwarden.toml").write_text("\n".join(manifest), encoding="utf-8")
    lock(root)
    return root


def median_of(fn: Any) -> tuple[float, list[float]]:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> None:
    n_functions = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    n_statements = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    bins = pgbin.find(pgbin.ALL_TOOLS, major=18)
    with ThrowawayInstance(bins) as inst, tempfile.TemporaryDirectory(prefix="pgwarden-bench-") as tmp:
        dsn = inst.dsn("postgres")
        t0 = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
            conn.execute(BUILD % {"n": n_functions})
            conn.execute("ANALYZE")
            count = conn.execute("SELECT count(*) FROM pg_proc").fetchone()
        build = time.perf_counter() - t0
        pkg_dir = write_package(Path(tmp) / "pkg", package_sql(n_functions, n_statements, 10))
        pkg = load_package(pkg_dir)
        statements = sum(len(p.read_text().strip().splitlines()) for p in pkg_dir.glob("b*.sql"))
        queries: list[str] = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.add_notice_handler(lambda _d: None)
            original = psycopg.Cursor.execute

            def counting(self: Any, query: Any, *a: Any, **k: Any) -> Any:
                queries.append(str(query)[:40])
                return original(self, query, *a, **k)

            sources = {b.apply_rel: parse_source_file(b.apply, b.apply_rel) for b in pkg.bundles}
            psycopg.Cursor.execute = counting  # type: ignore[method-assign]
            report = run_preflight(pkg, conn, None, sources=sources)
            psycopg.Cursor.execute = original  # type: ignore[method-assign]
            alone, alone_runs = median_of(lambda: run_preflight(pkg, conn, None, sources=sources))
            kits = iter(range(100))
            with_kit, kit_runs = median_of(
                lambda: run_preflight(
                    pkg, conn, EvidenceKit.create(Path(tmp) / f"kit{next(kits)}", "bench", {}), sources=sources
                )
            )
            parsing, parse_runs = median_of(lambda: run_preflight(pkg, conn, None))

        def command(*extra: str) -> tuple[float, list[float], int]:
            runs, code = [], 0
            for _ in range(RUNS):
                t0 = time.perf_counter()
                r = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pgwarden",
                        "check",
                        str(pkg_dir),
                        *extra,
                        "--out",
                        str(Path(tempfile.mkdtemp(dir=tmp)) / "kit"),
                    ],
                    capture_output=True,
                    text=True,
                )
                runs.append(time.perf_counter() - t0)
                code = r.returncode
            return statistics.median(runs), runs, code

        offline, offline_runs, _ = command()
        cli, cli_runs, code = command("--dsn", dsn)
        assert code == 1, "one refusal per bundle, by design"
        data, data_runs, code = command("--dsn", dsn, "--data-checks")
        assert code == 1
        errors = sum(f.severity == "error" for f in report.findings)
        print(
            f"catalog: {count[0] if count else '?'} routines in pg_proc ({n_functions} app functions), "
            f"built in {build:.1f} s; package: {statements} statements in 10 bundles"
        )
        print(f"preflight found {errors} refusal(s) (expected 10) with {len(queries)} server queries")
        print(f"{'measure':44} {'median s':>9}  runs")
        for name, med, runs in (
            ("run_preflight, parsed files handed over", alone, alone_runs),
            ("  + sidecars into a kit", with_kit, kit_runs),
            ("run_preflight parsing the files itself", parsing, parse_runs),
            ("pgwarden check (offline, whole command)", offline, offline_runs),
            ("pgwarden check --dsn (whole command)", cli, cli_runs),
            ("pgwarden check --dsn --data-checks", data, data_runs),
        ):
            print(f"{name:44} {med:9.3f}  {', '.join(f'{x:.3f}' for x in runs)}")
        print(
            f"preflight + sidecars / target ({TARGET_S:.0f} s): {with_kit / TARGET_S:.2f}  "
            f"({'PASS' if with_kit <= TARGET_S else 'FAIL'})"
        )
        print(
            f"check --dsn / target ({TARGET_S:.0f} s): {cli / TARGET_S:.2f}  "
            f"({'PASS' if cli <= TARGET_S else 'FAIL'}); of which offline check {offline:.3f} s"
        )
        print(
            f"check --dsn --data-checks / check --dsn (target <= 2): {data / cli:.2f}  "
            f"({'PASS' if data <= 2 * cli else 'FAIL'}; 40 data checks over 100,000-row tables)"
        )


if __name__ == "__main__":
    main()
