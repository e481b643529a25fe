-- ADD FOREIGN KEY: child rows whose key has no parent row (MATCH SIMPLE: a key with a NULL is not checked;
-- MATCH FULL: a key partly NULL is an error too).
SELECT pg_catalog.count(*) OVER () AS n, {keytext} COLLATE pg_catalog."C" AS key FROM {child} c
WHERE ({all_set} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {join})) OR ({full} AND {partly_null})
ORDER BY key LIMIT 5
