-- Tables and populated materialized views to count exactly (count(*) each): the ones this role may
-- read. Foreign tables are left out (a count would query the remote server).
-- (probe.py counts a table whose planning would run another role's code with COPY instead: pg/planned_code.py)
SELECT format('%I.%I', n.nspname, c.relname) AS name, n.nspname, c.relname, c.oid::bigint, c.relkind::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm')
  AND (c.relkind <> 'm' OR c.relispopulated)
  AND has_table_privilege(c.oid, 'SELECT')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
