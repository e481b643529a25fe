-- Which of the given roles exist, with the attributes a NOLOGIN stand-in mirrors. Read-only.
-- Parameter: %(names)s (text[]).
SELECT rolname::text AS rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolbypassrls
FROM pg_catalog.pg_roles
WHERE rolname = ANY (%(names)s::text[])
ORDER BY rolname
