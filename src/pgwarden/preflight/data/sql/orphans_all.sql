-- ADD FOREIGN KEY to a table the package creates (empty when the statement runs): every complete key is an orphan.
SELECT pg_catalog.count(*) OVER () AS n, {keytext} COLLATE pg_catalog."C" AS key FROM {child} c
WHERE {all_set} ORDER BY key LIMIT 5
