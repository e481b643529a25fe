-- Which of the given types are domains with constraints (ADD COLUMN of such a domain rewrites the table:
-- tablecmds.c ATExecAddColumn, DomainHasConstraints), and binary-coercible casts between type pairs.
SELECT t.oid::bigint AS oid,
       t.typtype = 'd' AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid) AS constrained
FROM pg_catalog.pg_type t
WHERE t.oid = ANY(%(oids)s::oid[]);
