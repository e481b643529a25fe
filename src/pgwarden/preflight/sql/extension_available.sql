-- CREATE EXTENSION: does the server have the extension's control file at all?
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions a WHERE a.name = %(name)s) AS available;
