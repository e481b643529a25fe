-- setup
-- Views: checkViewTupleDesc()'s rules. Cases marked [create_view] re-implement cases of PostgreSQL's
-- regression test of that name.
CREATE TABLE viewtest_tbl (a int, b int, c numeric(10,1), d text COLLATE "C");
CREATE VIEW viewtest AS SELECT a, b, c, d FROM viewtest_tbl;
CREATE VIEW v_star AS SELECT * FROM viewtest_tbl;
CREATE VIEW v_vc AS SELECT 'x'::varchar(5) AS s;
CREATE VIEW v_lit AS SELECT 'x' AS s, 1 AS n;
CREATE TABLE not_a_view (x int);
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
CREATE VIEW v_bob AS SELECT 1 AS x;
ALTER VIEW v_bob OWNER TO pfc_bob;
GRANT CREATE ON SCHEMA public TO pfc_alice;

-- case: [create_view] same columns, new WHERE clause
-- expect: ok
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c, d FROM viewtest_tbl WHERE a > 10;

-- case: [create_view] a column dropped
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c FROM viewtest_tbl WHERE a <> 20;

-- case: [create_view] a column renamed by a new first column
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT 1, * FROM viewtest_tbl;

-- case: [create_view] a column retyped
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT a, b::numeric, c, d FROM viewtest_tbl;

-- case: [create_view] a column's typmod changed
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c::numeric(10,2), d FROM viewtest_tbl;

-- case: [create_view] a typmod added
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT a, b::numeric(10,0), c, d FROM viewtest_tbl;

-- case: [create_view] a column's collation changed
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c, d COLLATE "POSIX" FROM viewtest_tbl;

-- case: a column's collation changed to the database default
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c, d COLLATE "default" FROM viewtest_tbl;

-- case: the same collation spelled explicitly
-- expect: ok
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c, d COLLATE "C" FROM viewtest_tbl;

-- case: [create_view] a column added at the end
-- expect: ok
CREATE OR REPLACE VIEW viewtest AS SELECT a, b, c, d, 0 AS e FROM viewtest_tbl;

-- case: a column renamed through the column list
-- expect: 42P16
CREATE OR REPLACE VIEW viewtest (a, b, c, e) AS SELECT a, b, c, d FROM viewtest_tbl;

-- case: the column list keeps the names
-- expect: ok
CREATE OR REPLACE VIEW viewtest (a, b, c, d) AS SELECT a, b, c, d FROM viewtest_tbl;

-- case: more column names than columns
-- expect: 42601
CREATE VIEW v_new (a, b) AS SELECT 1;

-- case: varchar typmod widened
-- expect: 42P16
CREATE OR REPLACE VIEW v_vc AS SELECT 'x'::varchar(6) AS s;

-- case: varchar typmod kept
-- expect: ok
CREATE OR REPLACE VIEW v_vc AS SELECT 'y'::character varying(5) AS s;

-- case: an untyped literal is text
-- expect: ok
CREATE OR REPLACE VIEW v_lit AS SELECT 'y' AS s, 2 AS n;

-- case: text replaced by varchar
-- expect: 42P16
CREATE OR REPLACE VIEW v_lit AS SELECT 'y'::varchar AS s, 2 AS n;

-- case: integer replaced by bigint
-- expect: 42P16
CREATE OR REPLACE VIEW v_lit AS SELECT 'y' AS s, 2::bigint AS n;

-- case: SELECT * of an unchanged table
-- expect: ok
CREATE OR REPLACE VIEW v_star AS SELECT * FROM viewtest_tbl;

-- case: replacing a table with a view
-- expect: 42809
CREATE OR REPLACE VIEW not_a_view AS SELECT 1 AS x;

-- case: replacing a materialized view with a view
-- expect: 42809
CREATE OR REPLACE VIEW mv AS SELECT 1 AS x;

-- case: plain CREATE VIEW of an existing view
-- expect: 42P07
CREATE VIEW viewtest AS SELECT 1 AS a;

-- case: not the owner of the view
-- role: pfc_alice
-- expect: 42501
CREATE OR REPLACE VIEW v_bob AS SELECT 1 AS x;

-- case: the view's query refers to a missing column
-- expect: 42703
CREATE OR REPLACE VIEW viewtest AS SELECT nosuch FROM viewtest_tbl;

-- case: the view's query refers to a missing table
-- expect: 42P01
CREATE OR REPLACE VIEW viewtest AS SELECT * FROM nosuch_tbl;

-- case: materialized views have no OR REPLACE
-- expect: 42601
CREATE OR REPLACE MATERIALIZED VIEW mv AS SELECT 1 AS x;

-- case: CREATE MATERIALIZED VIEW of an existing one
-- expect: 42P07
CREATE MATERIALIZED VIEW mv AS SELECT 2 AS x;

-- case: CREATE MATERIALIZED VIEW IF NOT EXISTS of an existing one
-- expect: ok
CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 2 AS x;

-- case: a view replaced twice: the second is compared with the first
-- expect: 42P16
CREATE OR REPLACE VIEW v_lit AS SELECT 'y' AS s, 2 AS n, 3 AS m;
CREATE OR REPLACE VIEW v_lit AS SELECT 'y' AS s, 2 AS n;

-- case: replacing a table with a view, as a non-owner: ownership is checked first
-- role: pfc_alice
-- expect: 42501
CREATE OR REPLACE VIEW not_a_view AS SELECT 1 AS x;

-- case: a view in a schema without CREATE privilege
-- role: pfc_bob
-- expect: 42501
CREATE VIEW v_bob_new AS SELECT 1 AS x;
