-- ALTER COLUMN ... TYPE from text: rows whose value the new type's input function rejects (PostgreSQL 16+).
SELECT pg_catalog.count(*) OVER () AS n, {key} COLLATE pg_catalog."C" AS key FROM {table}
WHERE {column} IS NOT NULL AND NOT pg_catalog.pg_input_is_valid({column}::pg_catalog.text, {type})
ORDER BY key LIMIT 5
