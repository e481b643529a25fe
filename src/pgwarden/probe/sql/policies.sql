-- Row-level security policies: command, permissive/restrictive, sorted roles, USING, WITH CHECK.
SELECT 'policy' AS kind,
       format('%I.%I.%I', n.nspname, c.relname, p.polname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'command', p.polcmd::text,
         'permissive', p.polpermissive,
         'roles', (SELECT jsonb_agg(r ORDER BY r COLLATE "C")
                   FROM (SELECT CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x)::text END AS r
                         FROM unnest(p.polroles) x) s),
         'using', pg_get_expr(p.polqual, p.polrelid),
         'with_check', pg_get_expr(p.polwithcheck, p.polrelid)
       ))::text AS definition
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
