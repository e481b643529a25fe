-- ADD CONSTRAINT ... CHECK: rows for which the expression is false (NULL passes a CHECK, as in the server).
SELECT pg_catalog.count(*) OVER () AS n, {key} AS key FROM {table} WHERE NOT ({expr}) LIMIT 5
