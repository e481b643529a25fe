-- Current definitions of views: CREATE OR REPLACE VIEW with its options (reloptions include check_option).
SELECT c.oid::bigint AS oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       md5(pg_catalog.pg_get_viewdef(c.oid)) AS body_md5,
       'CREATE OR REPLACE VIEW ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
       || CASE WHEN c.reloptions IS NOT NULL THEN ' WITH (' || array_to_string(c.reloptions, ', ') || ')' ELSE '' END
       || ' AS' || E'\n' || rtrim(pg_catalog.pg_get_viewdef(c.oid), E'; \n') AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY(%(oids)s::oid[]);
