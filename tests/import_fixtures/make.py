"""Writes the four import fixtures (Sqitch, Flyway, golang-migrate, popx) from one realistic story: a billing
service's schema over 24 migrations, each in its tool's own layout and habits (Sqitch's BEGIN/COMMIT templates,
psql variables and \\gexec; Flyway's placeholders, repeatables and forward-only history; golang-migrate's
V0001.name.up.sql with empty migrations whose work is in Go; popx's dialect files and .autocommit.).

Run: .venv/bin/python tests/import_fixtures/make.py  (the output is committed; tests read it)
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent

# (name, up, down, kind) — kind: "" normal, "empty" (work lives in application code), "concurrent" (one
# statement that cannot run in a transaction), "split" (several statements, some non-transactional)
STORY: list[tuple[str, str, str, str]] = [
    ("schema", "CREATE SCHEMA app;\nCOMMENT ON SCHEMA app IS 'billing';\n", "DROP SCHEMA app;\n", ""),
    (
        "accounts",
        "CREATE TABLE app.accounts (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n",
        "DROP TABLE app.accounts;\n",
        "",
    ),
    (
        "users",
        "CREATE TABLE app.users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  account_id bigint NOT NULL REFERENCES app.accounts (id),\n  login text NOT NULL\n);\n",
        "DROP TABLE app.users;\n",
        "",
    ),
    (
        "seed_accounts",
        "INSERT INTO app.accounts (name) VALUES ('acme'), ('globex');\n"
        "INSERT INTO app.users (account_id, login) SELECT id, 'admin-' || name FROM app.accounts;\n",
        "DELETE FROM app.users;\nDELETE FROM app.accounts;\n",
        "",
    ),
    ("users_email", "ALTER TABLE app.users ADD COLUMN email text;\n", "ALTER TABLE app.users DROP COLUMN email;\n", ""),
    ("backfill_email", "UPDATE app.users SET email = login || '@example.com' WHERE email IS NULL;\n", "", "empty-down"),
    (
        "email_not_null",
        "ALTER TABLE app.users ALTER COLUMN email SET NOT NULL;\n",
        "ALTER TABLE app.users ALTER COLUMN email DROP NOT NULL;\n",
        "",
    ),
    (
        "email_unique",
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.users (email);\n",
        "DROP INDEX CONCURRENTLY app.users_email_key;\n",
        "concurrent",
    ),
    (
        "role_enum",
        "CREATE TYPE app.user_role AS ENUM ('member', 'admin');\n"
        "ALTER TABLE app.users ADD COLUMN role app.user_role NOT NULL DEFAULT 'member';\n",
        "ALTER TABLE app.users DROP COLUMN role;\nDROP TYPE app.user_role;\n",
        "",
    ),
    (
        "touch_fn",
        "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        "  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$;\n",
        "DROP FUNCTION app.touch();\n",
        "",
    ),
    (
        "users_updated_at",
        "ALTER TABLE app.users ADD COLUMN updated_at timestamptz;\n"
        "CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();\n",
        "DROP TRIGGER users_touch ON app.users;\nALTER TABLE app.users DROP COLUMN updated_at;\n",
        "",
    ),
    ("go_code_backfill", "", "", "empty"),
    (
        "invoices",
        "CREATE TABLE app.invoices (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  account_id bigint NOT NULL REFERENCES app.accounts (id),\n  amount numeric(12,2) NOT NULL,\n"
        "  issued_on date NOT NULL DEFAULT current_date\n);\n",
        "DROP TABLE app.invoices;\n",
        "",
    ),
    (
        "invoices_cents",
        "ALTER TABLE app.invoices RENAME COLUMN amount TO amount_cents;\n"
        "ALTER TABLE app.invoices ALTER COLUMN amount_cents TYPE bigint USING (amount_cents * 100)::bigint;\n",
        "ALTER TABLE app.invoices ALTER COLUMN amount_cents TYPE numeric(12,2) USING amount_cents / 100.0;\n"
        "ALTER TABLE app.invoices RENAME COLUMN amount_cents TO amount;\n",
        "",
    ),
    (
        "invoice_indexes",
        "CREATE INDEX CONCURRENTLY invoices_account_idx ON app.invoices (account_id);\n"
        "CREATE INDEX CONCURRENTLY invoices_issued_idx ON app.invoices (issued_on);\n"
        "COMMENT ON INDEX app.invoices_issued_idx IS 'reports by day';\n",
        "DROP INDEX app.invoices_issued_idx;\nDROP INDEX app.invoices_account_idx;\n",
        "split",
    ),
    ("audit", "CREATE TABLE app.audit (id bigint PRIMARY KEY, what text);\n", "DROP TABLE app.audit;\n", ""),
    (
        "audit_v2",
        "ALTER TABLE app.audit RENAME TO audit_v1;\n"
        "CREATE TABLE app.audit (id bigint PRIMARY KEY, what text NOT NULL, at timestamptz NOT NULL DEFAULT now());\n"
        "INSERT INTO app.audit (id, what) SELECT id, coalesce(what, '') FROM app.audit_v1;\n",
        "DROP TABLE app.audit;\nALTER TABLE app.audit_v1 RENAME TO audit;\nDROP TABLE IF EXISTS app.audit_tmp;\n",
        "",
    ),
    (
        "drop_audit_v1",
        "DROP TABLE app.audit_v1;\n",
        "CREATE TABLE app.audit_v1 (id bigint PRIMARY KEY, what text);\n",
        "",
    ),
    (
        "balance_check",
        "ALTER TABLE app.invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount_cents >= 0);\n",
        "ALTER TABLE app.invoices DROP CONSTRAINT invoices_amount_positive;\n",
        "",
    ),
    (
        "active_users",
        "CREATE VIEW app.active_users AS\n  SELECT u.id, u.login, u.email, a.name AS account\n"
        "  FROM app.users u JOIN app.accounts a ON a.id = u.account_id;\n",
        "DROP VIEW app.active_users;\n",
        "",
    ),
    (
        "invoice_number",
        "CREATE SEQUENCE app.invoice_number START 1000;\n"
        "ALTER TABLE app.invoices ADD COLUMN number bigint NOT NULL DEFAULT nextval('app.invoice_number');\n",
        "ALTER TABLE app.invoices DROP COLUMN number;\nDROP SEQUENCE app.invoice_number;\n",
        "",
    ),
    (
        "totals_fn",
        "CREATE FUNCTION app.account_total(p_account bigint) RETURNS bigint LANGUAGE sql STABLE AS $$\n"
        "  SELECT coalesce(sum(amount_cents), 0)::bigint FROM app.invoices WHERE account_id = p_account;\n$$;\n",
        "DROP FUNCTION app.account_total(bigint);\n",
        "",
    ),
    ("legacy_cleanup", "DROP TABLE IF EXISTS app.legacy_sessions;\n", "", "empty-down"),
    (
        "users_last_seen",
        "ALTER TABLE app.users ADD COLUMN last_seen timestamptz;\n",
        # a true scope error, as in the popx projects: the down also drops what another migration made
        "ALTER TABLE app.users DROP COLUMN last_seen;\nALTER TABLE app.users DROP COLUMN updated_at;\n",
        "",
    ),
]


def _sqitch(out: Path) -> None:
    for d in ("deploy", "revert", "verify"):
        (out / d).mkdir(parents=True)
    plan = ["%syntax-version=1.0.0", "%project=billing", "%uri=https://example.com/billing/", ""]
    prev = None
    for i, (name, up, down, kind) in enumerate(STORY):
        if kind == "empty":
            continue
        deps = f" [{prev}]" if prev else ""
        day = (i % 28) + 1
        plan.append(f"{name}{deps} 2024-01-{day:02d}T10:00:00Z Ada Ops <ada@example.com> # {name.replace('_', ' ')}")
        if name == "schema":  # psql variables, as Sqitch passes them with --set
            up = (
                "CREATE SCHEMA app;\nCOMMENT ON SCHEMA app IS :'schema_comment';\nGRANT USAGE ON SCHEMA :\"schema\" "
                "TO PUBLIC;\n"
            )
        if name == "active_users":  # \gexec, as psql runs it
            up += (
                "SELECT format('GRANT SELECT ON %I.%I TO PUBLIC', schemaname, viewname)\n"
                "FROM pg_views WHERE schemaname = :'schema' \\gexec\n"
            )
        wrap = kind not in ("concurrent", "split")
        body = f"BEGIN;\n\n{up}\nCOMMIT;\n" if wrap else up
        requires = f"-- requires: {prev}\n" if prev else ""
        (out / "deploy" / f"{name}.sql").write_text(f"-- Deploy billing:{name} to pg\n{requires}\n{body}")
        rb = down or ("-- nothing to revert\n" if kind == "empty-down" else "")
        (out / "revert" / f"{name}.sql").write_text(
            f"-- Revert billing:{name} from pg\n\nBEGIN;\n\n{rb}\nCOMMIT;\n"
            if down and wrap
            else f"-- Revert billing:{name} from pg\n\n{rb}"
        )
        verify = {
            "accounts": "SELECT id, name, created_at FROM app.accounts WHERE false;",
            "users": "SELECT id, account_id, login FROM app.users WHERE false;",
            "invoices": "SELECT id, account_id, issued_on FROM app.invoices WHERE false;",
            "totals_fn": "SELECT has_function_privilege('app.account_total(bigint)', 'execute');",
        }.get(name)
        if verify:
            (out / "verify" / f"{name}.sql").write_text(
                f"-- Verify billing:{name} on pg\n\nBEGIN;\n\n{verify}\n\nROLLBACK;\n"
            )
        prev = name
        if i == 10:
            plan.append("@v1.0 2024-02-01T10:00:00Z Ada Ops <ada@example.com> # first release")
    (out / "sqitch.plan").write_text("\n".join(plan) + "\n")
    (out / "sqitch.conf").write_text(
        '[core]\n\tengine = pg\n[deploy "variables"]\n\tschema = app\n\tschema_comment = billing\n'
    )


def _flyway(out: Path) -> None:
    (out / "sql").mkdir(parents=True)
    n = 0
    for name, up, _down, kind in STORY:
        if kind == "empty" or name == "active_users":
            continue
        n += 1
        version = f"1.{n}" if n <= 12 else f"2.{n - 12}"  # 1.9 < 1.10 < 2.1: numeric, not text, order
        if name == "schema":
            up = "CREATE SCHEMA ${schema};\nCOMMENT ON SCHEMA ${schema} IS 'billing';\n"
        (out / "sql" / f"V{version.replace('.', '_')}__{name}.sql").write_text(f"-- {name}\n{up}")
        if name == "balance_check":  # a Teams undo script: the one rollback a Flyway project has
            (out / "sql" / f"U{version.replace('.', '_')}__{name}.sql").write_text(_down)
    (out / "sql" / "R__active_users_view.sql").write_text(
        "CREATE OR REPLACE VIEW app.active_users AS\n  SELECT u.id, u.login, u.email, a.name AS account\n"
        "  FROM app.users u JOIN app.accounts a ON a.id = u.account_id;\n"
    )
    (out / "flyway.conf").write_text("flyway.url=jdbc:postgresql://localhost/billing\nflyway.placeholders.schema=app\n")


def _golang(out: Path) -> None:
    out.mkdir(parents=True)
    for i, (name, up, down, kind) in enumerate(STORY, 1):
        stem = f"V{i:04d}.{name}"
        wrap = kind not in ("concurrent", "split", "empty") and i % 3 == 0  # some authors wrap, some do not
        (out / f"{stem}.up.sql").write_text(f"BEGIN;\n{up}COMMIT;\n" if wrap else up)
        (out / f"{stem}.down.sql").write_text(f"BEGIN;\n{down}COMMIT;\n" if wrap and down else down)


def _popx(out: Path) -> None:
    out.mkdir(parents=True)
    for i, (name, up, down, kind) in enumerate(STORY, 1):
        stem = f"2024010110{i:04d}000000_{name}"
        auto = ".autocommit" if kind in ("concurrent", "split") else ""
        if name == "users":  # a dialect-specific file wins over the generic one; others are ignored
            (out / f"{stem}.up.sql").write_text(up.replace("bigint GENERATED ALWAYS AS IDENTITY", "bigserial"))
            (out / f"{stem}.postgres.up.sql").write_text(up)
            (out / f"{stem}.mysql.up.sql").write_text("CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY);\n")
            (out / f"{stem}.cockroach.up.sql").write_text(up)
            (out / f"{stem}.down.sql").write_text(down)
            continue
        (out / f"{stem}{auto}.up.sql").write_text(up)
        (out / f"{stem}{auto}.down.sql").write_text(down)


def main() -> None:
    for name, fn in (("sqitch", _sqitch), ("flyway", _flyway), ("golang-migrate", _golang), ("popx", _popx)):
        target = HERE / name
        shutil.rmtree(target, ignore_errors=True)
        fn(target)
        print(f"{target}: {sum(1 for _ in target.rglob('*.sql'))} SQL files")


if __name__ == "__main__":
    main()
