-- ALTER COLUMN ... TYPE varchar(n) / char(n): values longer than n (beyond trailing spaces) fail the assignment.
-- concat() prints the value with its type's output function (no cast function another role wrote).
SELECT pg_catalog.count(*) OVER () AS n, {key} COLLATE pg_catalog."C" AS key FROM {table}
WHERE pg_catalog.char_length(pg_catalog.rtrim(pg_catalog.concat(({expr})), ' ')) OPERATOR(pg_catalog.>) {length}
ORDER BY key LIMIT 5
