-- Functions, procedures, aggregates and window functions, named by identity argument types as in
-- "public.f(integer, text)". pg_get_functiondef carries arguments with defaults, result, language,
-- volatility, strictness, SECURITY DEFINER, parallel safety, cost/rows, SET config and the body;
-- aggregates (which it refuses) are described by their pg_aggregate row instead. Functions that
-- belong to an extension, or are an internal part of another object (the constructors of a range
-- type), are left out.
SELECT 'function' AS kind,
       format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'kind', p.prokind::text,
         'owner', pg_get_userbyid(p.proowner),
         'definition', CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
         'aggregate', CASE WHEN p.prokind = 'a' THEN (
           SELECT jsonb_build_object(
             'arguments', pg_get_function_arguments(p.oid),
             'result', pg_get_function_result(p.oid),
             'aggkind', ag.aggkind::text,
             'direct_args', ag.aggnumdirectargs,
             'sfunc', ag.aggtransfn::text,
             'stype', format_type(ag.aggtranstype, NULL),
             'sspace', ag.aggtransspace,
             'finalfunc', ag.aggfinalfn::text,
             'finalfunc_extra', ag.aggfinalextra,
             'finalfunc_modify', ag.aggfinalmodify::text,
             'combinefunc', ag.aggcombinefn::text,
             'serialfunc', ag.aggserialfn::text,
             'deserialfunc', ag.aggdeserialfn::text,
             'initcond', ag.agginitval,
             'msfunc', ag.aggmtransfn::text,
             'minvfunc', ag.aggminvtransfn::text,
             'mstype', CASE WHEN ag.aggmtranstype <> 0 THEN format_type(ag.aggmtranstype, NULL) END,
             'msspace', ag.aggmtransspace,
             'mfinalfunc', ag.aggmfinalfn::text,
             'mfinalfunc_extra', ag.aggmfinalextra,
             'mfinalfunc_modify', ag.aggmfinalmodify::text,
             'minitcond', ag.aggminitval,
             'sortop', ag.aggsortop::regoperator::text,
             'parallel', p.proparallel::text)
           FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid) END
       ))::text AS definition
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
