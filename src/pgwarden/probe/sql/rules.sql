-- Rewrite rules other than the _RETURN rule that every view has (that one is the view's query).
SELECT 'rule' AS kind,
       format('%I.%I.%I', n.nspname, c.relname, r.rulename) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'definition', pg_get_ruledef(r.oid),
         'enabled', r.ev_enabled::text
       ))::text AS definition
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
