-- Hold a history table for the rest of the read-only transaction: once checked, it cannot be dropped,
-- replaced or altered (owner, column types) before its rows are read. {table} is a psycopg.sql.Identifier.
LOCK TABLE ONLY {table} IN ACCESS SHARE MODE
