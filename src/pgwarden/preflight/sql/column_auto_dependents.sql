-- What ALTER TABLE ... DROP COLUMN drops with the column, as the server does: the objects that depend on the
-- column with DEPENDENCY_AUTO or DEPENDENCY_INTERNAL in pg_depend (indexes and owned sequences in pg_class,
-- constraints in pg_constraint), and the index behind each such constraint (a primary key's or unique
-- constraint's index depends on its constraint, not on the column). Read-only.
WITH col AS (
    SELECT a.attnum FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = %(oid)s::oid AND a.attname = %(attname)s::text AND NOT a.attisdropped
), deps AS (
    SELECT d.classid, d.objid
    FROM pg_catalog.pg_depend d, col
    WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = %(oid)s::oid
      AND d.refobjsubid = col.attnum AND d.deptype IN ('a', 'i')
)
SELECT 'relation' AS what, n.nspname AS schema, c.relname AS name
FROM deps JOIN pg_catalog.pg_class c ON deps.classid = 'pg_catalog.pg_class'::regclass AND c.oid = deps.objid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
UNION
SELECT 'constraint', NULL, k.conname
FROM deps JOIN pg_catalog.pg_constraint k ON deps.classid = 'pg_catalog.pg_constraint'::regclass AND k.oid = deps.objid
UNION
SELECT 'relation', n.nspname, c.relname
FROM deps JOIN pg_catalog.pg_constraint k ON deps.classid = 'pg_catalog.pg_constraint'::regclass AND k.oid = deps.objid
JOIN pg_catalog.pg_class c ON c.oid = k.conindid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
ORDER BY 1, 2, 3
