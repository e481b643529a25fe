-- Procedural languages: installed ones, and those an available extension could install (the server's
-- "language does not exist" error hints at CREATE EXTENSION for the latter).
SELECT l.lanname::text AS name, true AS installed
FROM pg_catalog.pg_language l
UNION ALL
SELECT a.name::text, false
FROM pg_catalog.pg_available_extensions a
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_language l WHERE l.lanname = a.name);
