-- ADD CONSTRAINT ... CHECK: rows for which the expression is false (NULL passes a CHECK, as in the server).
-- The keys shown are the least in byte order (COLLATE "C", whatever the key columns' collations): the same rows
-- give the same kit.
SELECT pg_catalog.count(*) OVER () AS n, {key} COLLATE pg_catalog."C" AS key FROM {table}
WHERE NOT ({expr}) ORDER BY key LIMIT 5
