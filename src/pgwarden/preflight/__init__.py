"""Preflight: predict, against the live catalog and read-only, what PostgreSQL will refuse.

``run.run_preflight(package, conn, kit)`` checks a whole package (``check --dsn`` calls it);
``engine.predict(conn, sql)`` is the statement-level engine the differential tests drive directly.
"""
