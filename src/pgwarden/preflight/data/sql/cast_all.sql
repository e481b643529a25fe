-- ALTER COLUMN ... TYPE: convert every row as the rewrite would (count(s.v) makes the planner compute each value),
-- and keep nothing; an error is the server's.
SELECT pg_catalog.count(s.v) AS n FROM (SELECT CAST(({expr}) AS {type}) AS v FROM {table}) s
