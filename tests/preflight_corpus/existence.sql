-- setup
-- Objects exist or are absent as the statements assume: CREATE without IF NOT EXISTS, DROP/ALTER without
-- IF EXISTS, added columns that exist, dropped columns that don't, wrong object kinds, ownership.
CREATE TABLE t_exist (a int, b text);
CREATE VIEW v_exist AS SELECT 1 AS x;
CREATE SEQUENCE s_exist;
CREATE INDEX i_exist ON t_exist (a);
CREATE SCHEMA sch_exist;
CREATE TYPE ty_exist AS ENUM ('x', 'y');
CREATE DOMAIN dom_exist AS integer;
CREATE FUNCTION functest_b_1(int) RETURNS bool LANGUAGE sql AS 'SELECT $1 > 0';
CREATE FUNCTION functest_b_2(int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE FUNCTION functest_b_2(bigint) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE PROCEDURE p_exist(a int) LANGUAGE sql AS 'SELECT 1';
GRANT CREATE ON SCHEMA public TO pfc_alice;

-- case: CREATE TABLE of an existing table
-- expect: 42P07
CREATE TABLE t_exist (a int);

-- case: CREATE TABLE IF NOT EXISTS of an existing table
-- expect: ok
CREATE TABLE IF NOT EXISTS t_exist (a int);

-- case: CREATE TABLE named like an existing type
-- expect: 42710
CREATE TABLE ty_exist (a int);

-- case: CREATE TABLE with a missing column type
-- expect: 42704
CREATE TABLE t_new (a nosuchtype);

-- case: CREATE INDEX with an existing name
-- expect: 42P07
CREATE INDEX i_exist ON t_exist (b);

-- case: CREATE INDEX IF NOT EXISTS with an existing name
-- expect: ok
CREATE INDEX IF NOT EXISTS i_exist ON t_exist (b);

-- case: CREATE SEQUENCE of an existing sequence
-- expect: 42P07
CREATE SEQUENCE s_exist;

-- case: CREATE SCHEMA of an existing schema
-- expect: 42P06
CREATE SCHEMA sch_exist;

-- case: CREATE SCHEMA IF NOT EXISTS of an existing schema
-- expect: ok
CREATE SCHEMA IF NOT EXISTS sch_exist;

-- case: CREATE TYPE of an existing type
-- expect: 42710
CREATE TYPE ty_exist AS ENUM ('z');

-- case: CREATE DOMAIN of an existing domain
-- expect: 42710
CREATE DOMAIN dom_exist AS bigint;

-- case: CREATE TYPE named like a table's row type
-- expect: 42710
CREATE TYPE t_exist AS (x int);

-- case: ADD COLUMN of an existing column
-- expect: 42701
ALTER TABLE t_exist ADD COLUMN a int;

-- case: ADD COLUMN IF NOT EXISTS of an existing column
-- expect: ok
ALTER TABLE t_exist ADD COLUMN IF NOT EXISTS a int;

-- case: ADD COLUMN of a new column
-- expect: ok
ALTER TABLE t_exist ADD COLUMN c int;

-- case: ADD COLUMN twice in one bundle
-- expect: 42701
ALTER TABLE t_exist ADD COLUMN z int;
ALTER TABLE t_exist ADD COLUMN z int;

-- case: DROP COLUMN of a missing column
-- expect: 42703
ALTER TABLE t_exist DROP COLUMN zz;

-- case: DROP COLUMN IF EXISTS of a missing column
-- expect: ok
ALTER TABLE t_exist DROP COLUMN IF EXISTS zz;

-- case: ALTER COLUMN of a missing column
-- expect: 42703
ALTER TABLE t_exist ALTER COLUMN zz SET DEFAULT 1;

-- case: ALTER TABLE of a missing table
-- expect: 42P01
ALTER TABLE nosuch ADD COLUMN x int;

-- case: ALTER TABLE IF EXISTS of a missing table
-- expect: ok
ALTER TABLE IF EXISTS nosuch ADD COLUMN x int;

-- case: RENAME COLUMN of a missing column
-- expect: 42703
ALTER TABLE t_exist RENAME COLUMN zz TO yy;

-- case: RENAME COLUMN onto an existing column
-- expect: 42701
ALTER TABLE t_exist RENAME COLUMN a TO b;

-- case: RENAME TABLE onto an existing relation
-- expect: 42P07
ALTER TABLE t_exist RENAME TO v_exist;

-- case: a renamed table is found under its new name only
-- expect: 42P01
ALTER TABLE t_exist RENAME TO t_renamed;
ALTER TABLE t_exist ADD COLUMN q int;

-- case: DROP TABLE of a missing table
-- expect: 42P01
DROP TABLE nosuch;

-- case: DROP TABLE IF EXISTS of a missing table
-- expect: ok
DROP TABLE IF EXISTS nosuch;

-- case: DROP TABLE of a view
-- expect: 42809
DROP TABLE v_exist;

-- case: DROP VIEW of a table
-- expect: 42809
DROP VIEW t_exist;

-- case: DROP of a table dropped earlier in the bundle
-- expect: 42P01
DROP TABLE t_exist;
DROP TABLE t_exist;

-- case: DROP INDEX of a missing index
-- expect: 42704
DROP INDEX nosuch_idx;

-- case: DROP SEQUENCE of a missing sequence
-- expect: 42P01
DROP SEQUENCE nosuch_seq;

-- case: DROP MATERIALIZED VIEW of a missing one
-- expect: 42P01
DROP MATERIALIZED VIEW nosuch_mv;

-- case: DROP SCHEMA of a missing schema
-- expect: 3F000
DROP SCHEMA nosuch_schema;

-- case: DROP TYPE of a missing type
-- expect: 42704
DROP TYPE nosuch_type;

-- case: DROP EXTENSION of a missing extension
-- expect: 42704
DROP EXTENSION nosuch_ext;

-- case: DROP TABLE in a missing schema
-- expect: 3F000
DROP TABLE nosuch_schema.t;

-- case: [create_function_sql] DROP FUNCTION by name only
-- expect: ok
DROP FUNCTION functest_b_1;

-- case: [create_function_sql] DROP FUNCTION by name only, not found
-- expect: 42883
DROP FUNCTION functest_b_1;
DROP FUNCTION functest_b_1;

-- case: [create_function_sql] DROP FUNCTION by name only, ambiguous
-- expect: 42725
DROP FUNCTION functest_b_2;

-- case: DROP FUNCTION with argument types that match nothing
-- expect: 42883
DROP FUNCTION functest_b_2(text);

-- case: DROP FUNCTION IF EXISTS that matches nothing
-- expect: ok
DROP FUNCTION IF EXISTS functest_b_2(text);

-- case: DROP FUNCTION of a procedure
-- expect: 42809
DROP FUNCTION p_exist(int);

-- case: DROP PROCEDURE of a function
-- expect: 42809
DROP PROCEDURE functest_b_1(int);

-- case: ALTER FUNCTION of a procedure
-- expect: 42809
ALTER FUNCTION p_exist(int) STABLE;

-- case: DROP ROUTINE of a procedure
-- expect: ok
DROP ROUTINE p_exist(int);

-- case: [create_function_sql] ALTER FUNCTION of an existing function
-- expect: ok
ALTER FUNCTION functest_b_2(int) VOLATILE;

-- case: ALTER FUNCTION of a missing function
-- expect: 42883
ALTER FUNCTION nosuch_fn(int) STABLE;

-- case: GRANT on a missing table
-- expect: 42P01
GRANT SELECT ON nosuch TO PUBLIC;

-- case: GRANT on a missing function
-- expect: 42883
GRANT EXECUTE ON FUNCTION nosuch_fn(int) TO PUBLIC;

-- case: GRANT on a missing schema
-- expect: 3F000
GRANT USAGE ON SCHEMA nosuch_schema TO PUBLIC;

-- case: GRANT on existing objects
-- expect: ok
GRANT SELECT ON t_exist TO PUBLIC;
GRANT EXECUTE ON FUNCTION functest_b_2(int) TO PUBLIC;

-- case: DROP TABLE by a non-owner
-- role: pfc_alice
-- expect: 42501
DROP TABLE t_exist;

-- case: ALTER TABLE by a non-owner
-- role: pfc_alice
-- expect: 42501
ALTER TABLE t_exist ADD COLUMN q int;

-- case: a table created, then created again
-- expect: 42P07
CREATE TABLE t_twice (a int);
CREATE TABLE t_twice (a int);

-- case: a table created, then altered
-- expect: ok
CREATE TABLE t_made (a int);
ALTER TABLE t_made ADD COLUMN b text;
CREATE INDEX t_made_b ON t_made (b);

-- case: DROP FUNCTION by a non-owner
-- role: pfc_alice
-- expect: 42501
DROP FUNCTION functest_b_1(int);

-- case: ALTER FUNCTION by a non-owner
-- role: pfc_alice
-- expect: 42501
ALTER FUNCTION functest_b_1(int) STABLE;

-- case: DROP PROCEDURE by a non-owner
-- role: pfc_alice
-- expect: 42501
DROP PROCEDURE p_exist(int);

-- case: DROP VIEW by a non-owner
-- role: pfc_alice
-- expect: 42501
DROP VIEW v_exist;

-- case: GRANT on a missing sequence
-- expect: 42P01
GRANT USAGE ON SEQUENCE nosuch_seq TO PUBLIC;

-- case: CREATE SEQUENCE IF NOT EXISTS of an existing sequence
-- expect: ok
CREATE SEQUENCE IF NOT EXISTS s_exist;

-- case: a renamed function is found under its new name
-- expect: ok
ALTER FUNCTION functest_b_1(int) RENAME TO functest_b_9;
DROP FUNCTION functest_b_9(int);

-- case: renaming a function onto an existing one
-- expect: 42723
ALTER FUNCTION functest_b_2(bigint) RENAME TO functest_b_1;
ALTER FUNCTION functest_b_1(bigint) RENAME TO functest_b_2;
ALTER FUNCTION functest_b_2(int) RENAME TO functest_b_1;

-- case: renaming a missing function
-- expect: 42883
ALTER FUNCTION nosuch_fn(int) RENAME TO other_fn;

-- case: moving a table to another schema
-- expect: 42P01
ALTER TABLE t_exist SET SCHEMA sch_exist;
ALTER TABLE t_exist ADD COLUMN q int;

-- case: moving a table to a missing schema
-- expect: 3F000
ALTER TABLE t_exist SET SCHEMA nosuch_schema;

-- case: moving a function to another schema, then dropping it there
-- expect: ok
ALTER FUNCTION functest_b_1(int) SET SCHEMA sch_exist;
DROP FUNCTION sch_exist.functest_b_1(int);

