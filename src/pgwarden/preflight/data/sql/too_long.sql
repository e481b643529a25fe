-- ALTER COLUMN ... TYPE varchar(n) / char(n): values longer than n (beyond trailing spaces) fail the assignment.
SELECT pg_catalog.count(*) OVER () AS n, {key} AS key FROM {table}
WHERE pg_catalog.char_length(pg_catalog.rtrim(({expr})::pg_catalog.text, ' ')) OPERATOR(pg_catalog.>) {length}
LIMIT 5
