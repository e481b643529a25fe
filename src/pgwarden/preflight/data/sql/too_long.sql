-- ALTER COLUMN ... TYPE varchar(n) / char(n): values longer than n (beyond trailing spaces) fail the assignment.
SELECT count(*) OVER () AS n, {key} AS key FROM {table}
WHERE pg_catalog.char_length(pg_catalog.rtrim(({expr})::text, ' ')) > {length} LIMIT 5
