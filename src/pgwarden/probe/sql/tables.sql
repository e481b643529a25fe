-- Tables (ordinary, partitioned, foreign): owner, persistence, access method, tablespace, sorted
-- options, partitioning, inheritance, typed-table type, row security, replica identity, foreign server.
SELECT 'table' AS kind,
       format('%I.%I', n.nspname, c.relname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'relkind', c.relkind::text,
         'owner', pg_get_userbyid(c.relowner),
         'persistence', c.relpersistence::text,
         'access_method', am.amname,
         'tablespace', ts.spcname,
         'options', CASE WHEN c.reloptions IS NOT NULL THEN
                      (SELECT jsonb_agg(o ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o) END,
         'partition_key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
         'partition_bound', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
         'inherits', (SELECT jsonb_agg(i.inhparent::regclass::text ORDER BY i.inhseqno)
                      FROM pg_inherits i WHERE i.inhrelid = c.oid),
         'of_type', CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END,
         'row_security', c.relrowsecurity,
         'force_row_security', c.relforcerowsecurity,
         'replica_identity', c.relreplident::text,
         'foreign_server', fs.srvname,
         'foreign_options', CASE WHEN ft.ftoptions IS NOT NULL THEN
                              (SELECT jsonb_agg(o ORDER BY o COLLATE "C") FROM unnest(ft.ftoptions) o) END
       ))::text AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
WHERE c.relkind IN ('r', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
