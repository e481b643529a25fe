-- Views and materialized views: the deparsed query, owner, sorted options; for matviews also whether
-- it is populated, its tablespace and access method.
SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'matview' END AS kind,
       format('%I.%I', n.nspname, c.relname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'owner', pg_get_userbyid(c.relowner),
         'query', pg_get_viewdef(c.oid),
         'options', CASE WHEN c.reloptions IS NOT NULL THEN
                      (SELECT jsonb_agg(o ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o) END,
         'populated', CASE WHEN c.relkind = 'm' THEN c.relispopulated END,
         'tablespace', ts.spcname,
         'access_method', am.amname
       ))::text AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
