-- Triggers (not the internal ones behind foreign keys): the full CREATE TRIGGER text (timing,
-- events, columns, WHEN, function and arguments) plus the enabled state (O, D, R, A).
SELECT 'trigger' AS kind,
       format('%I.%I.%I', n.nspname, c.relname, t.tgname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'definition', pg_get_triggerdef(t.oid),
         'enabled', t.tgenabled::text
       ))::text AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
