-- Extensions: name, version and schema. Their member objects are left out of every other kind.
SELECT 'extension' AS kind,
       quote_ident(e.extname) AS name,
       jsonb_strip_nulls(jsonb_build_object('version', e.extversion, 'schema', n.nspname))::text AS definition
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
