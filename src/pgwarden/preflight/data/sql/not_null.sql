-- SET NOT NULL (and PRIMARY KEY): rows whose column is NULL. count(*) OVER () counts them all before LIMIT.
-- num_nulls(): a composite value with NULL fields is not NULL (IS NULL would say it is).
SELECT pg_catalog.count(*) OVER () AS n, {key} COLLATE pg_catalog."C" AS key FROM {table}
WHERE pg_catalog.num_nulls({column}) OPERATOR(pg_catalog.=) 1
ORDER BY key LIMIT 5
