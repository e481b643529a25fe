-- Current definitions of triggers.
SELECT t.oid::bigint AS oid,
       n.nspname::text AS schema,
       c.relname::text AS table_name,
       t.tgname::text AS name,
       md5(pg_catalog.pg_get_triggerdef(t.oid)) AS body_md5,
       pg_catalog.pg_get_triggerdef(t.oid) AS definition
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE t.oid = ANY(%(oids)s::oid[]);
