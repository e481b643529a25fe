-- setup
-- Aggregates: ProcedureCreate's rules plus AggregateCreate's kind and direct-argument rules.
-- Cases marked [create_aggregate] re-implement cases of PostgreSQL's regression test of that name.
CREATE AGGREGATE myavg(numeric) (stype = numeric, sfunc = numeric_add);
CREATE FUNCTION sum3(int8, int8, int8) RETURNS int8 LANGUAGE sql STRICT IMMUTABLE AS 'SELECT $1 + $2 + $3';
CREATE FUNCTION sum4(int8, int8, int8, int8) RETURNS int8 LANGUAGE sql STRICT IMMUTABLE AS 'SELECT $1 + $2 + $3 + $4';
CREATE FUNCTION f8_add_numeric(float8, numeric) RETURNS float8 LANGUAGE sql AS 'SELECT $1 + $2::float8';
CREATE FUNCTION os_sfunc3(float8[], float8, float8) RETURNS float8[] LANGUAGE sql AS 'SELECT $1 || $2';
CREATE FUNCTION os_final1(float8[], float8) RETURNS float8 LANGUAGE sql AS 'SELECT $2';
CREATE FUNCTION os_final2(float8[], float8, float8) RETURNS float8 LANGUAGE sql AS 'SELECT $2';
CREATE AGGREGATE oa(float8 ORDER BY float8) (stype = float8[], sfunc = array_append, finalfunc = os_final1);
GRANT CREATE ON SCHEMA public TO pfc_alice;
CREATE AGGREGATE oa2(float8, float8 ORDER BY float8) (stype = float8[], sfunc = array_append, finalfunc = os_final2);

-- case: [create_aggregate] replacing an aggregate with the same definition
-- expect: ok
CREATE OR REPLACE AGGREGATE myavg(numeric) (stype = numeric, sfunc = numeric_add);

-- case: [create_aggregate] a final function changes the return type
-- expect: 42P13
CREATE OR REPLACE AGGREGATE myavg(numeric) (stype = numeric, sfunc = numeric_add, finalfunc = numeric_out);

-- case: [create_aggregate] a final function that keeps the return type
-- expect: ok
CREATE OR REPLACE AGGREGATE myavg(numeric) (stype = numeric, sfunc = numeric_add, finalfunc = numeric_abs);

-- case: [create_aggregate] a different state type changes the return type
-- expect: 42P13
CREATE OR REPLACE AGGREGATE myavg(numeric) (stype = float8, sfunc = f8_add_numeric);

-- case: [create_aggregate] an ordinary aggregate replaced by an ordered-set one
-- expect: 42809
CREATE OR REPLACE AGGREGATE myavg(ORDER BY numeric) (stype = numeric, sfunc = numeric_add);

-- case: [create_aggregate] a plain function replaced by an aggregate
-- expect: 42809
CREATE OR REPLACE AGGREGATE sum3(int8, int8, int8) (stype = int8, sfunc = sum4);

-- case: an aggregate replaced by a plain function
-- expect: 42809
CREATE OR REPLACE FUNCTION myavg(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1';

-- case: [create_aggregate] the number of direct arguments changes
-- expect: 42P13
CREATE OR REPLACE AGGREGATE oa2(float8 ORDER BY float8, float8) (stype = float8[], sfunc = os_sfunc3, finalfunc = os_final1);

-- case: an ordered-set aggregate replaced unchanged
-- expect: ok
CREATE OR REPLACE AGGREGATE oa(float8 ORDER BY float8) (stype = float8[], sfunc = array_append, finalfunc = os_final1);

-- case: an ordered-set aggregate becomes hypothetical-set
-- expect: 42809
CREATE OR REPLACE AGGREGATE oa(float8 ORDER BY float8) (stype = float8[], sfunc = array_append, finalfunc = os_final1, hypothetical);

-- case: plain CREATE of an existing aggregate
-- expect: 42723
CREATE AGGREGATE myavg(numeric) (stype = numeric, sfunc = numeric_add);

-- case: a new overload of an aggregate
-- expect: ok
CREATE AGGREGATE myavg(float8) (stype = float8, sfunc = float8pl);

-- case: not the owner of an aggregate
-- role: pfc_alice
-- expect: 42501
CREATE OR REPLACE AGGREGATE myavg(numeric) (stype = numeric, sfunc = numeric_add);

-- case: DROP FUNCTION of an aggregate
-- expect: 42809
DROP FUNCTION myavg(numeric);

-- case: DROP AGGREGATE of a plain function
-- expect: 42809
DROP AGGREGATE sum3(int8, int8, int8);

-- case: DROP AGGREGATE that does not exist
-- expect: 42883
DROP AGGREGATE nosuch_agg(integer);

-- case: DROP AGGREGATE that exists
-- expect: ok
DROP AGGREGATE myavg(numeric);
