-- setup
-- Second-review cases: views over views, view options, triggers on partitions, existence odds and ends.
CREATE TABLE base (a int, b varchar(10), c text);
CREATE VIEW v1 AS SELECT a, b FROM base;
CREATE VIEW v2 AS SELECT a, b FROM v1;
CREATE VIEW v_sb WITH (security_barrier) AS SELECT a FROM base;
CREATE VIEW "V_Cap" AS SELECT a FROM base;
CREATE TABLE parted (a int) PARTITION BY RANGE (a);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE FUNCTION trgf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER t_parted AFTER INSERT ON parted FOR EACH ROW EXECUTE FUNCTION trgf();
CREATE CONSTRAINT TRIGGER ct_base AFTER INSERT ON base DEFERRABLE FOR EACH ROW EXECUTE FUNCTION trgf();
CREATE TRIGGER t_base BEFORE INSERT ON base FOR EACH ROW EXECUTE FUNCTION trgf();
CREATE EXTENSION IF NOT EXISTS plpgsql;
CREATE SEQUENCE seq1;
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE INDEX base_a_idx ON base (a);
ALTER TABLE base ADD CONSTRAINT base_a_check CHECK (a > 0);
CREATE SCHEMA s_other;
CREATE TABLE s_other.tx (a text);
CREATE TABLE tx (a int);
CREATE TABLE base_pk (a int PRIMARY KEY);
CREATE VIEW v_tx AS SELECT a FROM tx;

-- case: a view over a view gains a column at the end
-- expect: ok
CREATE OR REPLACE VIEW v1 AS SELECT a, b, c FROM base;

-- case: a view over a view reorders columns
-- expect: 42P16
CREATE OR REPLACE VIEW v1 AS SELECT b, a FROM base;

-- case: varchar(10) widened to varchar(20)
-- expect: 42P16
CREATE OR REPLACE VIEW v1 AS SELECT a, b::varchar(20) FROM base;

-- case: security_barrier kept
-- expect: ok
CREATE OR REPLACE VIEW v_sb WITH (security_barrier) AS SELECT a FROM base;

-- case: security_barrier dropped
-- expect: ok
CREATE OR REPLACE VIEW v_sb AS SELECT a FROM base;

-- case: unknown view option
-- expect: 22023
CREATE OR REPLACE VIEW v_sb WITH (foo = 1) AS SELECT a FROM base;

-- case: security_invoker option
-- expect: ok
CREATE OR REPLACE VIEW v_sb WITH (security_invoker = true) AS SELECT a FROM base;

-- case: check option on an updatable view
-- expect: ok
CREATE OR REPLACE VIEW v1 AS SELECT a, b FROM base WITH CHECK OPTION;

-- case: data-modifying WITH in a view
-- expect: 0A000
CREATE OR REPLACE VIEW v1 AS WITH d AS (DELETE FROM base RETURNING a, b) SELECT a, b FROM d;

-- case: quoted capital view, column retyped
-- expect: 42P16
CREATE OR REPLACE VIEW "V_Cap" AS SELECT a::bigint AS a FROM base;

-- case: unquoted capital view is another view
-- expect: ok
CREATE OR REPLACE VIEW V_Cap AS SELECT a::bigint AS a FROM base;

-- case: recursive view
-- expect: ok
CREATE OR REPLACE RECURSIVE VIEW v_rec (n) AS SELECT 1 UNION ALL SELECT n + 1 FROM v_rec WHERE n < 3;

-- case: view with a missing function
-- expect: 42883
CREATE OR REPLACE VIEW v1 AS SELECT a, no_such_fn(b) AS b FROM base;

-- case: OR REPLACE trigger on the partitioned parent, plain
-- expect: ok
CREATE OR REPLACE TRIGGER t_parted AFTER INSERT ON parted FOR EACH ROW EXECUTE FUNCTION trgf();

-- case: OR REPLACE trigger on the child partition
-- expect: 42710
CREATE OR REPLACE TRIGGER t_parted AFTER INSERT ON parted_1 FOR EACH ROW EXECUTE FUNCTION trgf();

-- case: OR REPLACE of a constraint trigger by a plain one
-- expect: 42710
CREATE OR REPLACE TRIGGER ct_base AFTER INSERT ON base FOR EACH ROW EXECUTE FUNCTION trgf();

-- case: OR REPLACE plain trigger, BEFORE to AFTER
-- expect: ok
CREATE OR REPLACE TRIGGER t_base AFTER INSERT ON base FOR EACH ROW EXECUTE FUNCTION trgf();

-- case: constraint trigger created again
-- expect: 42710
CREATE CONSTRAINT TRIGGER ct_base AFTER INSERT ON base DEFERRABLE FOR EACH ROW EXECUTE FUNCTION trgf();

-- case: CREATE EXTENSION existing
-- expect: 42710
CREATE EXTENSION plpgsql;

-- case: CREATE EXTENSION IF NOT EXISTS existing
-- expect: ok
CREATE EXTENSION IF NOT EXISTS plpgsql;

-- case: CREATE TYPE enum existing
-- expect: 42710
CREATE TYPE mood AS ENUM ('x');

-- case: ALTER TYPE ADD VALUE IF NOT EXISTS
-- expect: ok
ALTER TYPE mood ADD VALUE IF NOT EXISTS 'a';

-- case: ALTER SEQUENCE missing
-- expect: 42P01
ALTER SEQUENCE no_seq RESTART;

-- case: ALTER SEQUENCE existing
-- expect: ok
ALTER SEQUENCE seq1 RESTART;

-- case: ALTER VIEW missing
-- expect: 42P01
ALTER VIEW no_view RENAME TO x;

-- case: ALTER INDEX RENAME existing
-- expect: ok
ALTER INDEX base_a_idx RENAME TO base_a_idx2;

-- case: ALTER INDEX RENAME missing
-- expect: 42P01
ALTER INDEX no_idx RENAME TO base_a_idx2;

-- case: DROP CONSTRAINT IF EXISTS missing
-- expect: ok
ALTER TABLE base DROP CONSTRAINT IF EXISTS no_such_check;

-- case: CREATE INDEX on a missing column
-- expect: 42703
CREATE INDEX base_z_idx ON base (z);

-- case: CREATE INDEX on a missing table
-- expect: 42P01
CREATE INDEX nt_idx ON no_table (a);

-- case: CREATE INDEX named like a table
-- expect: 42P07
CREATE INDEX base ON base (a);

-- case: DROP TABLE list with one missing
-- expect: 42P01
DROP TABLE base, no_table;

-- case: DROP TABLE IF EXISTS list with one missing
-- expect: ok
DROP TABLE IF EXISTS no_table, parted CASCADE;

-- case: COMMENT ON missing table
-- expect: 42P01
COMMENT ON TABLE no_table IS 'x';

-- case: COMMENT ON missing column
-- expect: 42703
COMMENT ON COLUMN base.z IS 'x';

-- case: COMMENT ON existing column
-- expect: ok
COMMENT ON COLUMN base.a IS 'x';

-- case: CREATE TABLE in a missing schema
-- expect: 3F000
CREATE TABLE no_schema.t (a int);

-- case: CREATE VIEW in a missing schema
-- expect: 3F000
CREATE VIEW no_schema.v AS SELECT 1;

-- case: CREATE FUNCTION in a missing schema
-- expect: 3F000
CREATE FUNCTION no_schema.f() RETURNS int LANGUAGE sql AS 'SELECT 1';

-- case: created table then index, then index again
-- expect: 42P07
CREATE TABLE t_new (a int);
CREATE INDEX t_new_a ON t_new (a);
CREATE INDEX t_new_a ON t_new (a);

-- case: ADD COLUMN then RENAME COLUMN then DROP COLUMN of the old name
-- expect: 42703
ALTER TABLE base ADD COLUMN d int;
ALTER TABLE base RENAME COLUMN d TO e;
ALTER TABLE base DROP COLUMN d;

-- case: RENAME COLUMN then ADD the old name
-- expect: ok
ALTER TABLE base RENAME COLUMN c TO c2;
ALTER TABLE base ADD COLUMN c int;

-- case: CREATE SCHEMA then table in it
-- expect: 42P07
CREATE SCHEMA s_new;
CREATE TABLE s_new.t (a int);
CREATE TABLE s_new.t (a int);

-- case: bad boolean value for security_barrier
-- expect: 22023
CREATE OR REPLACE VIEW v_sb WITH (security_barrier = maybe) AS SELECT a FROM base;

-- case: SELECT INTO in a view
-- expect: 0A000
CREATE OR REPLACE VIEW v1 AS SELECT a, b INTO tmp_x FROM base;

-- case: ALTER SEQUENCE IF EXISTS missing
-- expect: ok
ALTER SEQUENCE IF EXISTS no_seq RESTART;

-- case: CREATE INDEX with INCLUDE of a missing column
-- expect: 42703
CREATE INDEX base_inc_idx ON base (a) INCLUDE (zz);

-- case: CREATE INDEX on existing columns and an expression
-- expect: ok
CREATE INDEX base_ab_idx ON base (a, lower(c));

-- case: COMMENT ON existing table
-- expect: ok
COMMENT ON TABLE base IS 'x';

-- case: COMMENT ON a column of a table created in the package
-- expect: 42703
CREATE TABLE t_new (a int);
COMMENT ON COLUMN t_new.b IS 'x';

-- case: SET search_path decides which table a replaced view reads
-- expect: 42P16
SET LOCAL search_path = s_other, public;
CREATE OR REPLACE VIEW public.v_tx AS SELECT a FROM tx;

-- case: the same view, search_path unchanged
-- expect: ok
CREATE OR REPLACE VIEW public.v_tx AS SELECT a FROM tx;

-- case: DROP CONSTRAINT missing
-- expect: 42704
ALTER TABLE base DROP CONSTRAINT no_such_check;

-- case: ADD CONSTRAINT existing name
-- expect: 42710
ALTER TABLE base ADD CONSTRAINT base_a_check CHECK (a > 1);

-- case: DROP CONSTRAINT, then ADD it again
-- expect: ok
ALTER TABLE base DROP CONSTRAINT base_a_check;
ALTER TABLE base ADD CONSTRAINT base_a_check CHECK (a > 1);

-- case: ADD CONSTRAINT twice in the package
-- expect: 42710
ALTER TABLE base ADD CONSTRAINT base_b_check CHECK (b <> '');
ALTER TABLE base ADD CONSTRAINT base_b_check CHECK (b <> 'x');

-- case: DROP CONSTRAINT twice
-- expect: 42704
ALTER TABLE base DROP CONSTRAINT base_a_check;
ALTER TABLE base DROP CONSTRAINT base_a_check;

-- case: a foreign key named like an existing check
-- expect: 42710
ALTER TABLE base ADD CONSTRAINT base_a_check FOREIGN KEY (a) REFERENCES base_pk (a);

-- case: a new foreign key
-- expect: ok
ALTER TABLE base ADD CONSTRAINT base_a_fk FOREIGN KEY (a) REFERENCES base_pk (a);
