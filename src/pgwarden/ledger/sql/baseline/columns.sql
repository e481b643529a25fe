-- The columns of a history table (by oid), each with its type's schema, name and kind, and whether it is
-- generated: pgwarden reads only stored columns of built-in types (a user type's output function or cast,
-- or a generation expression, would be code run by pgwarden's session).
SELECT a.attname::pg_catalog.text AS name,
       tn.nspname::pg_catalog.text AS type_schema,
       t.typname::pg_catalog.text AS type_name,
       t.typtype::pg_catalog.text AS type_kind,
       a.attgenerated::pg_catalog.text AS generated
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) t.typnamespace
WHERE a.attrelid OPERATOR(pg_catalog.=) %(oid)s::pg_catalog.oid
  AND a.attnum OPERATOR(pg_catalog.>) 0::pg_catalog.int2
  AND NOT a.attisdropped;
