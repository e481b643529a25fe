-- setup
-- Triggers: CREATE OR REPLACE TRIGGER rules. Cases marked [triggers] re-implement cases of PostgreSQL's
-- regression test of that name.
CREATE TABLE my_table (a int);
CREATE FUNCTION funca() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION funcb() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION not_a_trigger_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE TRIGGER my_trig BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funca();
CREATE CONSTRAINT TRIGGER my_constraint_trig AFTER INSERT ON my_table
    NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION funca();
CREATE TABLE parted_trig (a int) PARTITION BY RANGE (a);
CREATE TABLE parted_trig_1 PARTITION OF parted_trig FOR VALUES FROM (0) TO (1000);
CREATE TRIGGER my_ptrig AFTER INSERT ON parted_trig FOR EACH ROW EXECUTE FUNCTION funca();

-- case: [triggers] OR REPLACE of a plain trigger
-- expect: ok
CREATE OR REPLACE TRIGGER my_trig BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: [triggers] plain CREATE of an existing trigger
-- expect: 42710
CREATE TRIGGER my_trig BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: [triggers] OR REPLACE of a constraint trigger
-- expect: 42710
CREATE OR REPLACE TRIGGER my_constraint_trig AFTER INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: [triggers] OR REPLACE CONSTRAINT TRIGGER is refused by the grammar
-- expect: 0A000
CREATE OR REPLACE CONSTRAINT TRIGGER my_constraint_trig AFTER INSERT ON my_table
    FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: [triggers] OR REPLACE of a partition's cloned trigger
-- expect: 42710
CREATE OR REPLACE TRIGGER my_ptrig AFTER INSERT ON parted_trig_1 FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: [triggers] OR REPLACE on the partitioned parent
-- expect: ok
CREATE OR REPLACE TRIGGER my_ptrig AFTER INSERT ON parted_trig FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: a trigger function that does not exist
-- expect: 42883
CREATE TRIGGER t_new BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION nosuch_fn();

-- case: a trigger function that does not return trigger
-- expect: 42P17
CREATE TRIGGER t_new BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION not_a_trigger_fn();

-- case: a trigger on a missing table
-- expect: 42P01
CREATE TRIGGER t_new BEFORE INSERT ON nosuch_table FOR EACH ROW EXECUTE FUNCTION funca();

-- case: a new trigger
-- expect: ok
CREATE TRIGGER t_new BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funca();

-- case: a trigger created twice in one bundle
-- expect: 42710
CREATE TRIGGER t_twice BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funca();
CREATE TRIGGER t_twice BEFORE INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: DROP TRIGGER of a missing trigger
-- expect: 42704
DROP TRIGGER nosuch_trig ON my_table;

-- case: DROP TRIGGER IF EXISTS of a missing trigger
-- expect: ok
DROP TRIGGER IF EXISTS nosuch_trig ON my_table;

-- case: DROP TRIGGER on a missing table
-- expect: 42P01
DROP TRIGGER my_trig ON nosuch_table;

-- case: DROP TRIGGER, then CREATE it again
-- expect: ok
DROP TRIGGER my_trig ON my_table;
CREATE TRIGGER my_trig AFTER INSERT ON my_table FOR EACH ROW EXECUTE FUNCTION funcb();

-- case: DROP TRIGGER by a non-owner of the table
-- role: pfc_alice
-- expect: 42501
DROP TRIGGER my_trig ON my_table;
