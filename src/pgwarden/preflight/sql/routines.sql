-- Every routine whose name the package mentions (one query for all names): the facts the replace
-- rules compare. Facts for reports are read later, only for routines a finding is about.
SELECT p.oid::bigint AS oid,
       n.nspname::text AS schema,
       p.proname::text AS name,
       p.prokind::text AS kind,
       p.prorettype::bigint AS rettype,
       p.proretset AS retset,
       p.pronargdefaults::int AS nargdefaults,
       pg_catalog.pg_has_role(current_user, p.proowner, 'USAGE') AS owned,
       pg_catalog.pg_get_userbyid(p.proowner)::text AS owner,
       p.proargtypes::oid[]::bigint[] AS argtypes,
       p.proallargtypes::bigint[] AS allargtypes,
       p.proargmodes::text[] AS argmodes,
       p.proargnames AS argnames,
       a.aggkind::text AS aggkind,
       a.aggnumdirectargs::int AS aggnumdirectargs
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
WHERE p.proname = ANY(%(names)s::name[]);
