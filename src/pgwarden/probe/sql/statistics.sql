-- Extended statistics objects (CREATE STATISTICS): the full definition and the owner.
SELECT 'statistics' AS kind,
       format('%I.%I', n.nspname, s.stxname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'owner', pg_get_userbyid(s.stxowner),
         'definition', pg_get_statisticsobjdef(s.oid)
       ))::text AS definition
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_statistic_ext'::regclass AND d.objid = s.oid AND d.deptype = 'e')
