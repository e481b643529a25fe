-- Current definitions of indexes.
SELECT c.oid::bigint AS oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       md5(pg_catalog.pg_get_indexdef(c.oid)) AS body_md5,
       pg_catalog.pg_get_indexdef(c.oid) AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY(%(oids)s::oid[]);
