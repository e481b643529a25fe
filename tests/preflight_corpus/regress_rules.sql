-- setup
-- Refusals the regression suite showed preflight used to miss, and the IF EXISTS forms it used to refuse:
-- DROP of every object kind, foreign keys, collations, extensions, sequences, triggers, aggregates, typed
-- tables, shell types, procedures, INSERT/UPDATE columns.
CREATE TABLE rr_t (id int PRIMARY KEY, code int, note text);
CREATE TABLE rr_nokey (a int);
CREATE VIEW rr_v AS SELECT id FROM rr_t;
CREATE RULE rr_rule AS ON INSERT TO rr_nokey DO ALSO NOTHING;
CREATE TYPE rr_comp AS (x int, y text);
CREATE DOMAIN rr_dom AS int CONSTRAINT rr_dom_pos CHECK (VALUE > 0);
CREATE FUNCTION rr_trig() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION rr_sfunc(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
CREATE PROCEDURE rr_proc(a int) LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE rr_proc(a text) LANGUAGE sql AS 'SELECT 1';
CREATE POLICY rr_pol ON rr_t USING (true);
CREATE PUBLICATION rr_pub;
CREATE STATISTICS rr_stat ON id, code FROM rr_t;
CREATE TEXT SEARCH CONFIGURATION rr_ts (COPY = simple);

-- case: DROP RULE of a missing rule
-- expect: 42704
DROP RULE no_such_rule ON rr_nokey;

-- case: DROP RULE of an existing rule
-- expect: ok
DROP RULE rr_rule ON rr_nokey;

-- case: DROP RULE IF EXISTS on a missing table
-- expect: ok
DROP RULE IF EXISTS r ON no_such_table;

-- case: DROP CAST of a missing cast
-- expect: 42704
DROP CAST (int AS rr_comp);

-- case: DROP CAST IF EXISTS of a missing cast
-- expect: ok
DROP CAST IF EXISTS (int AS rr_comp);

-- case: DROP OPERATOR of a missing operator
-- expect: 42883
DROP OPERATOR === (int, int);

-- case: DROP OPERATOR CLASS of a missing class
-- expect: 42704
DROP OPERATOR CLASS no_such_class USING btree;

-- case: DROP OPERATOR CLASS IF EXISTS with a missing access method
-- expect: 42704
DROP OPERATOR CLASS IF EXISTS no_such_class USING no_such_am;

-- case: DROP LANGUAGE of a missing language
-- expect: 42704
DROP LANGUAGE no_such_language;

-- case: DROP TEXT SEARCH CONFIGURATION of a missing one
-- expect: 42704
DROP TEXT SEARCH CONFIGURATION no_such_ts;

-- case: DROP TEXT SEARCH CONFIGURATION of an existing one
-- expect: ok
DROP TEXT SEARCH CONFIGURATION rr_ts;

-- case: DROP ACCESS METHOD of a missing one
-- expect: 42704
DROP ACCESS METHOD no_such_am;

-- case: DROP FOREIGN DATA WRAPPER of a missing one
-- expect: 42704
DROP FOREIGN DATA WRAPPER no_such_fdw;

-- case: DROP SERVER of a missing server
-- expect: 42704
DROP SERVER no_such_server;

-- case: DROP USER MAPPING on a missing server
-- expect: 42704
DROP USER MAPPING FOR CURRENT_USER SERVER no_such_server;

-- case: DROP POLICY of a missing policy
-- expect: 42704
DROP POLICY no_such_policy ON rr_t;

-- case: DROP POLICY of an existing policy
-- expect: ok
DROP POLICY rr_pol ON rr_t;

-- case: DROP PUBLICATION of a missing one
-- expect: 42704
DROP PUBLICATION no_such_pub;

-- case: DROP STATISTICS of a missing statistics object
-- expect: 42704
DROP STATISTICS no_such_stat;

-- case: DROP EVENT TRIGGER of a missing one
-- expect: 42704
DROP EVENT TRIGGER no_such_evt;

-- case: DROP COLLATION of a missing collation
-- expect: 42704
DROP COLLATION no_such_collation;

-- case: DROP CONVERSION of a missing conversion
-- expect: 42704
DROP CONVERSION no_such_conversion;

-- case: ALTER DOMAIN DROP CONSTRAINT of a missing domain constraint
-- expect: 42704
ALTER DOMAIN rr_dom DROP CONSTRAINT no_such_check;

-- case: ALTER DOMAIN DROP CONSTRAINT of an existing one
-- expect: ok
ALTER DOMAIN rr_dom DROP CONSTRAINT rr_dom_pos;

-- case: DROP FUNCTION IF EXISTS in a missing schema
-- expect: ok
DROP FUNCTION IF EXISTS no_such_schema.foo();

-- case: DROP FUNCTION IF EXISTS with a missing argument type
-- expect: ok
DROP FUNCTION IF EXISTS foo(no_such_type);

-- case: DROP AGGREGATE IF EXISTS in a missing schema
-- expect: ok
DROP AGGREGATE IF EXISTS no_such_schema.foo(int);

-- case: DROP TRIGGER IF EXISTS on a table in a missing schema
-- expect: ok
DROP TRIGGER IF EXISTS trg ON no_such_schema.t;

-- case: DROP PROCEDURE without arguments when the name is not unique
-- expect: 42725
DROP PROCEDURE rr_proc;

-- case: DROP PROCEDURE with its arguments
-- expect: ok
DROP PROCEDURE rr_proc(text);

-- case: UPDATE SET of a missing column
-- expect: 42703
UPDATE rr_t SET no_such_column = 1;

-- case: UPDATE SET of an existing column
-- expect: ok
UPDATE rr_t SET code = 1;

-- case: INSERT naming a missing column
-- expect: 42703
INSERT INTO rr_t (id, no_such_column) VALUES (1, 2);

-- case: REFERENCES a missing table
-- expect: 42P01
CREATE TABLE rr_fk (a int REFERENCES no_such_table);

-- case: REFERENCES a column without a unique key
-- expect: 42830
CREATE TABLE rr_fk (a int REFERENCES rr_t (code));

-- case: REFERENCES a table without a primary key
-- expect: 42704
CREATE TABLE rr_fk (a int REFERENCES rr_nokey);

-- case: REFERENCES the primary key
-- expect: ok
CREATE TABLE rr_fk (a int REFERENCES rr_t);

-- case: ADD FOREIGN KEY to a column without a unique key
-- expect: 42830
ALTER TABLE rr_nokey ADD FOREIGN KEY (a) REFERENCES rr_t (code);

-- case: ADD FOREIGN KEY with a system column
-- expect: 0A000
ALTER TABLE rr_nokey ADD FOREIGN KEY (ctid) REFERENCES rr_t (id);

-- case: COLLATE that does not exist
-- expect: 42704
CREATE TABLE rr_coll (a text COLLATE "no_such_collation");

-- case: COLLATE on a type without collations
-- expect: 42804
CREATE TABLE rr_coll (a int COLLATE "C");

-- case: COLLATE that exists
-- expect: ok
CREATE TABLE rr_coll (a text COLLATE "C");

-- case: CREATE EXTENSION the server does not have
-- expect: 0A000
-- compare: message
CREATE EXTENSION no_such_extension;

-- case: CREATE AGGREGATE whose support function does not exist
-- expect: 42883
CREATE AGGREGATE rr_agg (int) (SFUNC = no_such_sfunc, STYPE = int);

-- case: CREATE AGGREGATE whose support function exists
-- expect: ok
CREATE AGGREGATE rr_agg (int) (SFUNC = rr_sfunc, STYPE = int);

-- case: CREATE TABLE OF a missing type
-- expect: 42704
CREATE TABLE rr_typed OF no_such_type;

-- case: CREATE TABLE OF a type that is not composite
-- expect: 42809
CREATE TABLE rr_typed OF int4;

-- case: CREATE TABLE OF a composite type
-- expect: ok
CREATE TABLE rr_typed OF rr_comp;

-- case: CREATE TYPE (shell) over an existing type
-- expect: 42710
CREATE TYPE rr_comp;

-- case: CREATE TYPE (shell) over a table's row type
-- expect: 42710
CREATE TYPE rr_t;

-- case: CREATE SEQUENCE with INCREMENT 0
-- expect: 22023
CREATE SEQUENCE rr_seq INCREMENT 0;

-- case: CREATE SEQUENCE with START below MINVALUE
-- expect: 22023
CREATE SEQUENCE rr_seq MINVALUE 10 START 5;

-- case: CREATE SEQUENCE with MAXVALUE beyond its type
-- expect: 22023
CREATE SEQUENCE rr_seq AS smallint MAXVALUE 100000;

-- case: CREATE SEQUENCE with MINVALUE above MAXVALUE
-- expect: 22023
CREATE SEQUENCE rr_seq MINVALUE 20 MAXVALUE 10;

-- case: CREATE SEQUENCE with sound options
-- expect: ok
CREATE SEQUENCE rr_seq AS smallint MINVALUE 1 MAXVALUE 100 START 5 INCREMENT 5;

-- case: BEFORE row trigger on a view
-- expect: 42809
CREATE TRIGGER rr_trg BEFORE INSERT ON rr_v FOR EACH ROW EXECUTE FUNCTION rr_trig();

-- case: INSTEAD OF trigger on a table
-- expect: 42809
CREATE TRIGGER rr_trg INSTEAD OF INSERT ON rr_t FOR EACH ROW EXECUTE FUNCTION rr_trig();

-- case: INSTEAD OF trigger on a view
-- expect: ok
CREATE TRIGGER rr_trg INSTEAD OF INSERT ON rr_v FOR EACH ROW EXECUTE FUNCTION rr_trig();

-- case: ADD COLUMN named like a system column
-- expect: 42701
ALTER TABLE rr_t ADD COLUMN xmin int;

-- case: DROP of a system column
-- expect: 0A000
ALTER TABLE rr_t DROP COLUMN ctid;

-- case: ALTER PROCEDURE with a function-only attribute
-- expect: 42P13
ALTER PROCEDURE rr_proc(int) STRICT;
