-- Every schema, and whether the current role may create objects in it.
SELECT n.oid::bigint AS oid,
       n.nspname::text AS name,
       has_schema_privilege(n.oid, 'CREATE') AS can_create
FROM pg_catalog.pg_namespace n;
