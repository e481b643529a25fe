-- ADD FOREIGN KEY to a table the package creates (empty when the statement runs): every complete key is an orphan.
SELECT pg_catalog.count(*) OVER () AS n, {keytext} AS key FROM {child} c WHERE {all_set} LIMIT 5
