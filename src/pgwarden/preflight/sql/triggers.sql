-- Every trigger whose name the package mentions.
SELECT t.oid::bigint AS oid,
       n.nspname::text AS schema,
       c.relname::text AS table_name,
       t.tgname::text AS name,
       t.tgisinternal AS internal,
       t.tgparentid <> 0 AS child,
       t.tgconstraint <> 0 AS is_constraint,
       md5(pg_catalog.pg_get_triggerdef(t.oid)) AS def_md5
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = ANY(%(names)s::name[]);
