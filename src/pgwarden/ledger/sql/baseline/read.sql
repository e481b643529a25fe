-- A history table's rows, read as data: COPY of the table itself, not a query. No plan is made, so no
-- index expression, partial-index predicate, extended statistics expression or CHECK constraint of the table
-- is evaluated (the planner folds those with the caller's privileges); the table alone (COPY never reads its
-- children); only the named columns, sent in binary by their built-in types' send functions.
-- {table} and {columns} are identifiers (psycopg.sql.Identifier); the table was checked and locked first.
COPY {table} ({columns}) TO STDOUT (FORMAT binary)
