-- A live constraint's definition as the server prints it (VALIDATE CONSTRAINT checks the rows against it).
SELECT pg_catalog.pg_get_constraintdef(k.oid) AS def, k.contype::text AS contype
FROM pg_catalog.pg_constraint k
WHERE k.conrelid = %(oid)s::oid AND k.conname = %(name)s;
