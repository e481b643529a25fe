-- Privileges of a role other than the connection's (after SET ROLE in the package): owner
-- membership and CREATE on a schema. NULL inputs give NULL.
SELECT CASE WHEN %(owner)s::text IS NULL THEN NULL
            ELSE pg_catalog.pg_has_role(%(role)s, %(owner)s::text, 'USAGE') END AS owns,
       CASE WHEN %(schema)s::oid IS NULL THEN NULL
            ELSE pg_catalog.has_schema_privilege(%(role)s, %(schema)s::oid, 'CREATE') END AS can_create;
