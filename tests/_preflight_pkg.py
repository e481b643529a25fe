"""A seed-000 shaped package (bundles A–E) and the production-like database it targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from pgwarden.package.lock import lock

# ~4 KB of plpgsql, like the seed's fn_iu_apply_edit_draft (body_len 4144).
_FILLER = "\n".join(
    f"    -- step {i:03d}: validate the draft, the actor and the lifecycle state before applying" for i in range(45)
)

PRODUCTION = f"""
CREATE TABLE public.information_unit (id uuid PRIMARY KEY, state text NOT NULL DEFAULT 'draft');
CREATE TABLE public.iu_draft (id uuid PRIMARY KEY, iu_id uuid REFERENCES public.information_unit, body jsonb);
CREATE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text)
    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $body$
BEGIN
{_FILLER}
    RETURN jsonb_build_object('draft', p_draft_id, 'actor', p_actor, 'note', p_review_note);
END
$body$;
"""

_E_HEAD = (
    "CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, "
    "p_review_note text{default})\n    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = pg_catalog, public\nAS $body$\nBEGIN\n    RETURN jsonb_build_object('patched', true);\n"
    "END\n$body$;\n"
)

BUNDLES: dict[str, tuple[str, str, str]] = {
    "A": (
        "iu_lifecycle_vocab + iu_lifecycle_log + indexes + grants",
        "CREATE TABLE public.iu_lifecycle_vocab (state text PRIMARY KEY);\n"
        "CREATE TABLE public.iu_lifecycle_log (id bigserial PRIMARY KEY, iu_id uuid NOT NULL,\n"
        "    state text NOT NULL REFERENCES public.iu_lifecycle_vocab, note text, at timestamptz DEFAULT now());\n"
        "CREATE INDEX iu_lifecycle_log_iu ON public.iu_lifecycle_log (iu_id);\n"
        "GRANT SELECT ON public.iu_lifecycle_log TO PUBLIC;\n",
        "DROP TABLE public.iu_lifecycle_log;\nDROP TABLE public.iu_lifecycle_vocab;\n",
    ),
    "B": (
        "immutability functions + triggers",
        "CREATE FUNCTION public.fn_iu_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN RAISE EXCEPTION 'iu_lifecycle_log is append-only'; END $$;\n"
        "CREATE TRIGGER trg_iu_lifecycle_log_immutable BEFORE UPDATE OR DELETE ON public.iu_lifecycle_log\n"
        "    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_log_immutable();\n",
        "DROP TRIGGER trg_iu_lifecycle_log_immutable ON public.iu_lifecycle_log;\n"
        "DROP FUNCTION public.fn_iu_log_immutable();\n",
    ),
    "C": (
        "fn_iu_enact SECURITY DEFINER",
        "CREATE FUNCTION public.fn_iu_enact(p_iu uuid, p_actor text, p_commit boolean) RETURNS void\n"
        "    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$\n"
        "BEGIN INSERT INTO public.iu_lifecycle_log (iu_id, state) VALUES (p_iu, 'enacted'); END $$;\n",
        "DROP FUNCTION public.fn_iu_enact(uuid, text, boolean);\n",
    ),
    "D": (
        "gateway dot_config + grants",
        "ALTER TABLE public.information_unit ADD COLUMN gateway text;\n"
        "GRANT EXECUTE ON FUNCTION public.fn_iu_enact(uuid, text, boolean) TO PUBLIC;\n",
        "ALTER TABLE public.information_unit DROP COLUMN gateway;\n",
    ),
    "E": ("fn_iu_apply_edit_draft patch", "", ""),
}


def write_package(root: Path, *, keep_default: bool, extra: dict[str, str] | None = None) -> Path:
    """The five bundles; E drops the DEFAULT unless ``keep_default``. ``extra`` overrides file texts."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = [
        "[package]",
        'name = "m3a-lifecycle"',
        'description = "IU lifecycle vocabulary, log, immutability, enact gateway"',
        "",
        "[settings]",
        'lock_timeout = "5s"',
        "",
    ]
    for bid, (title, apply, rollback) in BUNDLES.items():
        if bid == "E":
            apply = _E_HEAD.format(default=" DEFAULT NULL::text" if keep_default else "")
            rollback = _E_HEAD.format(default=" DEFAULT NULL::text").replace("'patched', true", "'restored', true")
        (root / f"{bid}.sql").write_text(apply, encoding="utf-8")
        (root / f"{bid}.rollback.sql").write_text(rollback, encoding="utf-8")
        manifest += [
            "[[bundle]]",
            f'id = "{bid}"',
            f'title = "{title}"',
            f'apply = "{bid}.sql"',
            f'rollback = "{bid}.rollback.sql"',
            "",
        ]
    (root / "pgwarden.toml").write_text("\n".join(manifest), encoding="utf-8")
    for rel, text in (extra or {}).items():
        (root / rel).write_text(text, encoding="utf-8")
    lock(root)
    return root


def catalog_fingerprint(dsn: str) -> list[Any]:
    """Everything a package could change, in one read: relations, columns, routines with bodies, triggers."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'rel', c.oid::regclass::text, c.relkind::text, "
            "  (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) "
            "   FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "UNION ALL SELECT 'fn', p.oid::regprocedure::text, pg_get_function_arguments(p.oid), md5(p.prosrc) "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
            "UNION ALL SELECT 'tg', t.tgname::text, t.tgrelid::regclass::text, '' FROM pg_trigger t "
            "WHERE NOT t.tgisinternal ORDER BY 1, 2"
        ).fetchall()


def setup_production(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(PRODUCTION)
