-- Every relation named like a tool's history table, in every schema, whatever its kind: pgwarden adopts a
-- history only from one ordinary table, in the schema the tool uses, owned by a role it trusts. It never
-- orders by search_path (a decoy in public would win), and it resolves nothing through it.
-- trusted: the owner is the schema's owner or has its privileges (the database owner, for a schema owned by
-- pg_database_owner as public is), the current user, or a superuser.
SELECT c.oid::pg_catalog.int8 AS oid,
       n.nspname::pg_catalog.text AS schema,
       c.relname::pg_catalog.text AS name,
       c.relkind::pg_catalog.text AS relkind,
       pg_catalog.pg_get_userbyid(c.relowner)::pg_catalog.text AS owner,
       pg_catalog.pg_get_userbyid(n.nspowner)::pg_catalog.text AS schema_owner,
       (c.relowner OPERATOR(pg_catalog.=) n.nspowner
        OR pg_catalog.pg_has_role(c.relowner, n.nspowner, 'USAGE'::pg_catalog.text)
        OR pg_catalog.pg_get_userbyid(c.relowner) OPERATOR(pg_catalog.=) CURRENT_USER
        OR EXISTS (SELECT FROM pg_catalog.pg_roles r
                   WHERE r.oid OPERATOR(pg_catalog.=) c.relowner AND r.rolsuper)) AS trusted
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.relname::pg_catalog.text OPERATOR(pg_catalog.=) %(name)s::pg_catalog.text;
