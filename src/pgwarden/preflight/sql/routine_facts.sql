-- One routine as seed 000 probed it (identity args, full args, body md5 and length, prosecdef,
-- proconfig), and the text of each argument's default: read only for routines a finding is about.
SELECT pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args,
       pg_catalog.pg_get_function_arguments(p.oid) AS full_args,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       md5(p.prosrc) AS body_md5,
       length(p.prosrc) AS body_len,
       p.prosecdef AS prosecdef,
       p.proconfig::text[] AS proconfig,
       ARRAY(SELECT pg_catalog.pg_get_function_arg_default(p.oid, i)
             FROM generate_series(1, coalesce(array_length(p.proallargtypes, 1), p.pronargs)) AS i
             ORDER BY i) AS defaults
FROM pg_catalog.pg_proc p
WHERE p.oid = %(oid)s;
