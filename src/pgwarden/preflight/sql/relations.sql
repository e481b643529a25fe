-- Every relation whose name the package mentions, with its columns (name, type, typmod, collation)
-- and the names of its constraints.
SELECT c.oid::bigint AS oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       c.relkind::text AS relkind,
       c.reltype::bigint AS reltype,
       pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') AS owned,
       pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       it.relname::text AS index_table,
       CASE WHEN c.relkind IN ('v', 'm') THEN md5(pg_catalog.pg_get_viewdef(c.oid)) END AS view_md5,
       cols.list AS columns,
       ARRAY(SELECT k.conname::text FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid) AS constraints
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_catalog.pg_class it ON it.oid = i.indrelid
CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
               'name', a.attname,
               'type', a.atttypid,
               'typmod', a.atttypmod,
               'collation', co.collname,
               'display', pg_catalog.format_type(a.atttypid, a.atttypmod))
             ORDER BY a.attnum), '[]'::json) AS list
    FROM pg_catalog.pg_attribute a
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
) cols
WHERE c.relname = ANY(%(names)s::name[]);
