-- Grants: one row per object whose ACL differs from what it would have had anyway (the built-in
-- default for its owner, or for extension members the privileges the extension script set, from
-- pg_init_privs). ACL items are sorted, so the order GRANTs ran in does not matter.
-- Named "<object type> <object>", e.g. "table public.t", "function public.f(integer)". Column grants are
-- column_grants.sql's: one entry per column, grantee and privilege.
WITH acls AS (
  SELECT 'schema ' || quote_ident(n.nspname) AS name, n.nspacl AS acl,
         'pg_namespace'::regclass AS classid, n.oid AS objid, 0 AS objsubid,
         acldefault('n', n.nspowner) AS dflt
  FROM pg_namespace n
  WHERE n.nspacl IS NOT NULL
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  UNION ALL
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' WHEN 'm' THEN 'matview '
                        ELSE 'table ' END || format('%I.%I', n.nspname, c.relname),
         c.relacl, 'pg_class'::regclass, c.oid, 0,
         acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  UNION ALL
  SELECT 'function ' || format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)),
         p.proacl, 'pg_proc'::regclass, p.oid, 0, acldefault('f', p.proowner)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE p.proacl IS NOT NULL
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  UNION ALL
  SELECT 'type ' || format('%I.%I', n.nspname, t.typname),
         t.typacl, 'pg_type'::regclass, t.oid, 0, acldefault('T', t.typowner)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typacl IS NOT NULL
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  UNION ALL
  SELECT 'database ' || quote_ident(d.datname), d.datacl, 'pg_database'::regclass, d.oid, 0,
         acldefault('d', d.datdba)
  FROM pg_database d
  WHERE d.datname = current_database() AND d.datacl IS NOT NULL
  UNION ALL
  SELECT 'language ' || quote_ident(l.lanname), l.lanacl, 'pg_language'::regclass, l.oid, 0,
         acldefault('l', l.lanowner)
  FROM pg_language l
  WHERE l.lanacl IS NOT NULL
  UNION ALL
  SELECT 'default privileges for role ' || quote_ident(pg_get_userbyid(da.defaclrole))
         || CASE WHEN da.defaclnamespace <> 0
                 THEN ' in schema ' || quote_ident(da.defaclnamespace::regnamespace::text) ELSE '' END
         || ' on ' || CASE da.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
                                            WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'
                                            WHEN 'n' THEN 'schemas' WHEN 'L' THEN 'large objects'
                                            ELSE da.defaclobjtype::text END,
         da.defaclacl, 'pg_default_acl'::regclass, da.oid, 0,
         CASE WHEN da.defaclnamespace = 0
              THEN acldefault(CASE da.defaclobjtype WHEN 'S' THEN 's' ELSE da.defaclobjtype END::"char",
                              da.defaclrole)
              ELSE '{}'::aclitem[] END
  FROM pg_default_acl da
)
SELECT 'grant' AS kind,
       a.name,
       jsonb_build_object('acl', cur.items)::text AS definition
FROM acls a
LEFT JOIN pg_init_privs ip
       ON ip.objoid = a.objid AND ip.classoid = a.classid AND ip.objsubid = a.objsubid
CROSS JOIN LATERAL (SELECT coalesce(jsonb_agg(x::text ORDER BY x::text COLLATE "C"), '[]') AS items
                    FROM unnest(a.acl) x) cur
CROSS JOIN LATERAL (SELECT coalesce(jsonb_agg(x::text ORDER BY x::text COLLATE "C"), '[]') AS items
                    FROM unnest(coalesce(ip.initprivs, a.dflt)) x) dft
WHERE cur.items <> dft.items
