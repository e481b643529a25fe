-- setup
-- Dependencies (2BP01, 0A000): what a DROP without CASCADE, a DROP COLUMN or DROP CONSTRAINT, or an ALTER
-- COLUMN TYPE trips over. A rollback file that drops a parent table before its children fails this way.
CREATE TABLE dep_parent (id int PRIMARY KEY, note text);
CREATE TABLE dep_child (id int PRIMARY KEY, parent_id int REFERENCES dep_parent (id));
CREATE VIEW dep_view AS SELECT id, note FROM dep_parent;
CREATE TABLE dep_lonely (a int, b int);
CREATE TYPE dep_mood AS ENUM ('ok', 'not ok');
CREATE TABLE dep_uses_type (m dep_mood);
CREATE FUNCTION dep_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE dep_uses_fn (a int DEFAULT dep_fn());
CREATE SCHEMA dep_schema;
CREATE TABLE dep_schema.t (a int);
CREATE SCHEMA dep_empty;

-- case: DROP TABLE of a parent that a view and a foreign key depend on
-- expect: 2BP01
DROP TABLE dep_parent;

-- case: DROP TABLE of a parent after its view: the foreign key still depends on it
-- expect: 2BP01
DROP VIEW dep_view;
DROP TABLE dep_parent;

-- case: DROP TABLE of the parent after its dependents, in order
-- expect: ok
DROP VIEW dep_view;
DROP TABLE dep_child;
DROP TABLE dep_parent;

-- case: DROP TABLE of the parent and its child in one statement, after the view
-- expect: ok
DROP VIEW dep_view;
DROP TABLE dep_parent, dep_child;

-- case: DROP TABLE ... CASCADE
-- expect: ok
DROP TABLE dep_parent CASCADE;

-- case: DROP TABLE of a table nothing depends on
-- expect: ok
DROP TABLE dep_lonely;

-- case: DROP TYPE used by a column
-- expect: 2BP01
DROP TYPE dep_mood;

-- case: DROP TYPE after the table that used it
-- expect: ok
DROP TABLE dep_uses_type;
DROP TYPE dep_mood;

-- case: DROP FUNCTION used by a column default
-- expect: 2BP01
DROP FUNCTION dep_fn();

-- case: DROP SCHEMA that holds a table
-- expect: 2BP01
DROP SCHEMA dep_schema;

-- case: DROP SCHEMA that is empty
-- expect: ok
DROP SCHEMA dep_empty;

-- case: DROP COLUMN used by a view
-- expect: 2BP01
ALTER TABLE dep_parent DROP COLUMN note;

-- case: DROP COLUMN nothing uses
-- expect: ok
ALTER TABLE dep_lonely DROP COLUMN b;

-- case: DROP CONSTRAINT of a primary key a foreign key needs
-- expect: 2BP01
ALTER TABLE dep_parent DROP CONSTRAINT dep_parent_pkey;

-- case: DROP CONSTRAINT of a missing constraint
-- expect: 42704
ALTER TABLE dep_lonely DROP CONSTRAINT no_such_constraint;

-- case: DROP CONSTRAINT IF EXISTS of a missing constraint
-- expect: ok
ALTER TABLE dep_lonely DROP CONSTRAINT IF EXISTS no_such_constraint;

-- case: DROP INDEX of the index a primary key owns
-- expect: 2BP01
DROP INDEX dep_parent_pkey;

-- case: ALTER COLUMN TYPE of a column a view uses
-- expect: 0A000
ALTER TABLE dep_parent ALTER COLUMN note TYPE varchar(20);

-- case: ALTER COLUMN TYPE of a column no view uses
-- expect: ok
ALTER TABLE dep_lonely ALTER COLUMN a TYPE bigint;
