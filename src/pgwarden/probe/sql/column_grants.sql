-- Column grants: one entry per column, grantee and privilege, named as the GRANT that gives it, e.g.
-- "SELECT (email) ON public.customer TO reporting", so that a lost column privilege is named with its
-- grantee, privilege and column. The definition lists who granted it ("granted_by", each grantor with
-- WITH GRANT OPTION where it applies), sorted, so the order GRANTs ran in does not matter.
-- A column has no built-in default privileges (acldefault('c', owner) is empty); for an extension member
-- what the extension script granted (pg_init_privs) is the baseline instead: only what differs from it is
-- listed, as "granted_by" (added since) or "revoked" (taken away since).
-- Immune to search_path: every relation, function, type and collation is schema-qualified.
WITH acl AS (  -- columns with an ACL (a cheap filter on the scan), and extension members' baselines
  SELECT a.attrelid, a.attnum, a.attname, a.attacl, ip.initprivs
  FROM pg_catalog.pg_attribute a
  LEFT JOIN pg_catalog.pg_init_privs ip
         ON ip.objoid = a.attrelid AND ip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND ip.objsubid = a.attnum::pg_catalog.int4
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT a.attrelid, a.attnum, a.attname, NULL, ip.initprivs
  FROM pg_catalog.pg_init_privs ip
  JOIN pg_catalog.pg_attribute a ON a.attrelid = ip.objoid AND a.attnum::pg_catalog.int4 = ip.objsubid
  WHERE ip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ip.objsubid > 0
    AND a.attacl IS NULL AND NOT a.attisdropped
),
cols AS (
  SELECT n.nspname, c.relname, acl.attname, acl.attacl, acl.initprivs
  FROM acl
  JOIN pg_catalog.pg_class c ON c.oid = acl.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
),
items AS (  -- every ACL item of both sides, exploded to (grantor, grantee, privilege, grantable)
  SELECT cols.nspname, cols.relname, cols.attname, x.grantor, x.grantee, x.privilege_type, x.is_grantable,
         true AS present
  FROM cols CROSS JOIN LATERAL pg_catalog.aclexplode(cols.attacl) x
  UNION ALL
  SELECT cols.nspname, cols.relname, cols.attname, x.grantor, x.grantee, x.privilege_type, x.is_grantable, false
  FROM cols CROSS JOIN LATERAL pg_catalog.aclexplode(cols.initprivs) x
),
delta AS (  -- those on one side only: all of them where there is no baseline
  SELECT nspname, relname, attname, grantor, grantee, privilege_type, is_grantable,
         pg_catalog.bool_and(present) AS present
  FROM items
  GROUP BY nspname, relname, attname, grantor, grantee, privilege_type, is_grantable
  HAVING pg_catalog.count(*) = 1
)
SELECT 'grant' AS kind,
       pg_catalog.format('%s (%I) ON %I.%I TO %s', d.privilege_type, d.attname, d.nspname, d.relname,
                         CASE WHEN d.grantee = 0::pg_catalog.oid THEN 'PUBLIC'
                              ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(d.grantee)) END) AS name,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'granted_by', pg_catalog.jsonb_agg(g.who ORDER BY g.who COLLATE pg_catalog."C") FILTER (WHERE d.present),
         'revoked', pg_catalog.jsonb_agg(g.who ORDER BY g.who COLLATE pg_catalog."C") FILTER (WHERE NOT d.present)
       ))::pg_catalog.text AS definition
FROM delta d
CROSS JOIN LATERAL (SELECT pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(d.grantor))
                           || CASE WHEN d.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS who) g
GROUP BY d.nspname, d.relname, d.attname, d.grantee, d.privilege_type
