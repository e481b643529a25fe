-- SET NOT NULL (and PRIMARY KEY): rows whose column is NULL. count(*) OVER () counts them all before LIMIT.
SELECT count(*) OVER () AS n, {key} AS key FROM {table} WHERE {column} IS NULL LIMIT 5
