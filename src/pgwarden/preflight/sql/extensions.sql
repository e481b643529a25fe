-- Installed extensions.
SELECT e.extname::text AS name FROM pg_catalog.pg_extension e;
