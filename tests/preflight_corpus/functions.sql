-- setup
-- Functions and procedures: PostgreSQL's replace rules (ProcedureCreate), each with a passing near miss.
-- Cases marked [create_function_sql], [polymorphism], [rangefuncs] re-implement cases of PostgreSQL's
-- regression tests of those names.
CREATE FUNCTION fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text)
    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ BEGIN RETURN '{}'::jsonb; END $$;
CREATE FUNCTION f_int(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_unnamed(integer, text) RETURNS integer LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_setof(a integer) RETURNS SETOF integer LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_out(IN a integer, OUT b integer, OUT c text) LANGUAGE sql AS 'SELECT $1, ''x''';
CREATE FUNCTION foo(IN f1 integer, OUT f2 integer) LANGUAGE sql AS 'SELECT $1 + 1';
CREATE FUNCTION foor(IN f1 integer, OUT f2 integer, OUT text) LANGUAGE sql AS 'SELECT $1 - 1, $1::text || ''z''';
CREATE FUNCTION f_rec(a integer) RETURNS record LANGUAGE sql AS 'SELECT 1, 2';
CREATE FUNCTION f_table(a integer) RETURNS TABLE(x integer, y text) LANGUAGE sql AS 'SELECT 1, ''y''';
CREATE PROCEDURE p_plain(a integer) LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE p_out(a integer, OUT b integer) LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION functest1(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION dfunc(a anyelement = 'World'::text) RETURNS text LANGUAGE sql AS 'SELECT ''Hello''';
CREATE FUNCTION dfunc_u(a anyelement = 'World') RETURNS text LANGUAGE sql AS 'SELECT ''Hello''';
CREATE FUNCTION dvar(a VARIADIC integer[] DEFAULT '{44,88,99}'::integer[]) RETURNS integer
    LANGUAGE sql AS 'SELECT array_upper($1, 1)';
CREATE FUNCTION functest_is_1(a integer, b integer DEFAULT 1, c text DEFAULT 'foo') RETURNS integer
    LANGUAGE sql AS 'SELECT $1 + $2';
CREATE FUNCTION f_alice(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
ALTER FUNCTION f_alice(integer) OWNER TO pfc_alice;
GRANT CREATE ON SCHEMA public TO pfc_alice;

-- case: seed 000 bundle E drops the DEFAULT
-- expect: 42P13
CREATE OR REPLACE FUNCTION fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text)
    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ BEGIN RETURN '{"patched": true}'::jsonb; END $$;

-- case: seed 000 bundle E, fixed: the DEFAULT kept
-- expect: ok
CREATE OR REPLACE FUNCTION fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text)
    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ BEGIN RETURN '{"patched": true}'::jsonb; END $$;

-- case: a different default value is allowed
-- expect: ok
CREATE OR REPLACE FUNCTION fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT 'n/a')
    RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN '{}'::jsonb; END $$;

-- case: an extra parameter is a new overload, not a replacement
-- expect: ok
CREATE OR REPLACE FUNCTION fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text, p_force boolean)
    RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN '{}'::jsonb; END $$;

-- case: renaming a named input parameter
-- expect: 42P13
CREATE OR REPLACE FUNCTION fn_iu_apply_edit_draft(p_draft_id uuid, p_user text, p_review_note text DEFAULT NULL::text)
    RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN '{}'::jsonb; END $$;

-- case: naming formerly unnamed parameters is allowed
-- expect: ok
CREATE OR REPLACE FUNCTION f_unnamed(a integer, b text) RETURNS integer LANGUAGE sql AS 'SELECT $1 + 1';

-- case: removing every parameter name
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_int(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';

-- case: changing the return type
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_int(a integer) RETURNS bigint LANGUAGE sql AS 'SELECT $1::bigint';

-- case: same return type spelled int4 (resolved by the server)
-- expect: ok
CREATE OR REPLACE FUNCTION f_int(a int4) RETURNS int4 LANGUAGE sql AS 'SELECT $1 + 1';

-- case: dropping SETOF
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_setof(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';

-- case: keeping SETOF
-- expect: ok
CREATE OR REPLACE FUNCTION f_setof(a integer) RETURNS SETOF integer LANGUAGE sql AS 'SELECT $1 + 1';

-- case: [rangefuncs] changing a single OUT parameter's type
-- expect: 42P13
CREATE OR REPLACE FUNCTION foo(IN f1 integer, OUT f2 float8) LANGUAGE sql AS 'SELECT $1 + 1.5';

-- case: [rangefuncs] naming an unnamed OUT column changes the row type
-- expect: 42P13
CREATE OR REPLACE FUNCTION foor(IN f1 integer, OUT f2 integer, OUT f3 text) LANGUAGE sql AS 'SELECT $1 - 1, $1::text';

-- case: [rangefuncs] same OUT columns, new body
-- expect: ok
CREATE OR REPLACE FUNCTION foor(IN f1 integer, OUT f2 integer, OUT text) LANGUAGE sql AS 'SELECT $1, ''n''';

-- case: OUT parameter retyped (text to varchar)
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_out(IN a integer, OUT b integer, OUT c varchar) LANGUAGE sql AS 'SELECT $1, ''x''';

-- case: OUT parameter renamed
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_out(IN a integer, OUT b integer, OUT d text) LANGUAGE sql AS 'SELECT $1, ''x''';

-- case: RETURNS record gains OUT parameters
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_rec(a integer, OUT x integer, OUT y integer) LANGUAGE sql AS 'SELECT 1, 2';

-- case: RETURNS record stays runtime-defined
-- expect: ok
CREATE OR REPLACE FUNCTION f_rec(a integer) RETURNS record LANGUAGE sql AS 'SELECT 3, 4';

-- case: RETURNS TABLE column renamed
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_table(a integer) RETURNS TABLE(x integer, z text) LANGUAGE sql AS 'SELECT 1, ''y''';

-- case: RETURNS TABLE unchanged
-- expect: ok
CREATE OR REPLACE FUNCTION f_table(a integer) RETURNS TABLE(x integer, y text) LANGUAGE sql AS 'SELECT 2, ''y''';

-- case: a procedure gains output parameters
-- expect: 42P13
CREATE OR REPLACE PROCEDURE p_plain(a integer, OUT b integer) LANGUAGE sql AS 'SELECT 1';

-- case: a procedure keeps its parameters
-- expect: ok
CREATE OR REPLACE PROCEDURE p_plain(a integer) LANGUAGE sql AS 'SELECT 2';

-- case: a procedure's OUT parameter renamed
-- expect: 42P13
CREATE OR REPLACE PROCEDURE p_out(a integer, OUT c integer) LANGUAGE sql AS 'SELECT 1';

-- case: [create_function_sql] function replaced by a procedure
-- expect: 42809
CREATE OR REPLACE PROCEDURE functest1(a integer) LANGUAGE sql AS 'SELECT $1';

-- case: [create_function_sql] function replaced by a window function
-- expect: 42809
CREATE OR REPLACE FUNCTION functest1(a integer) RETURNS integer LANGUAGE sql WINDOW AS 'SELECT $1';

-- case: procedure replaced by a function
-- expect: 42809
CREATE OR REPLACE FUNCTION p_plain(a integer) RETURNS void LANGUAGE sql AS 'SELECT';

-- case: plain CREATE of an existing function
-- expect: 42723
CREATE FUNCTION f_int(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';

-- case: plain CREATE of a new overload
-- expect: ok
CREATE FUNCTION f_int(a bigint) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: [polymorphism] a VARIADIC parameter loses its default
-- expect: 42P13
CREATE OR REPLACE FUNCTION dvar(a VARIADIC integer[]) RETURNS integer LANGUAGE sql AS 'SELECT array_upper($1, 1)';

-- case: [polymorphism] a VARIADIC parameter's default value changes
-- expect: ok
CREATE OR REPLACE FUNCTION dvar(a VARIADIC integer[] DEFAULT '{44,55,88,99}'::integer[]) RETURNS integer
    LANGUAGE sql AS 'SELECT array_upper($1, 1)';

-- case: [polymorphism] a polymorphic parameter's default changes type (text to integer)
-- expect: 42P13
CREATE OR REPLACE FUNCTION dfunc(a anyelement = 1) RETURNS text LANGUAGE sql AS 'SELECT ''Hello''';

-- case: [polymorphism] a polymorphic parameter's default keeps its type
-- expect: ok
CREATE OR REPLACE FUNCTION dfunc(a anyelement = 'Hi'::text) RETURNS text LANGUAGE sql AS 'SELECT ''Hello''';

-- case: an untyped default (unknown) becomes text
-- expect: 42P13
CREATE OR REPLACE FUNCTION dfunc_u(a anyelement = 'x'::text) RETURNS text LANGUAGE sql AS 'SELECT ''Hello''';

-- case: an untyped default stays untyped
-- expect: ok
CREATE OR REPLACE FUNCTION dfunc_u(a anyelement = 'x') RETURNS text LANGUAGE sql AS 'SELECT ''Hello''';

-- case: fewer defaults (two of two kept as one)
-- expect: 42P13
CREATE OR REPLACE FUNCTION functest_is_1(a integer, b integer, c text DEFAULT 'foo') RETURNS integer
    LANGUAGE sql AS 'SELECT $1 + $2';

-- case: more defaults than before
-- expect: ok
CREATE OR REPLACE FUNCTION functest_is_1(a integer DEFAULT 0, b integer DEFAULT 1, c text DEFAULT 'foo')
    RETURNS integer LANGUAGE sql AS 'SELECT $1 + $2';

-- case: not the owner
-- role: pfc_alice
-- expect: 42501
CREATE OR REPLACE FUNCTION f_int(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';

-- case: not the owner of a procedure
-- role: pfc_alice
-- expect: 42501
CREATE OR REPLACE PROCEDURE p_plain(a integer) LANGUAGE sql AS 'SELECT 1';

-- case: the owner replaces its own function
-- role: pfc_alice
-- expect: ok
CREATE OR REPLACE FUNCTION f_alice(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 + 1';

-- case: no CREATE privilege on the schema
-- role: pfc_bob
-- expect: 42501
CREATE OR REPLACE FUNCTION f_bob() RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a parameter type that does not exist
-- expect: 42704
CREATE FUNCTION f_new(a nosuchtype) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a return type that does not exist
-- expect: 42704
CREATE FUNCTION f_new(a integer) RETURNS nosuch_rettype LANGUAGE sql AS 'SELECT 1';

-- case: result type contradicts the OUT parameter
-- expect: 42P13
CREATE FUNCTION f_new(OUT a integer) RETURNS text LANGUAGE sql AS 'SELECT 1';

-- case: no result type at all
-- expect: 42P13
CREATE FUNCTION f_new(a integer) LANGUAGE sql AS 'SELECT 1';

-- case: a schema that does not exist
-- expect: 3F000
CREATE FUNCTION nosuch_schema.f_new() RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: an input parameter without default after one with a default
-- expect: 42P13
CREATE FUNCTION f_new(a integer DEFAULT 1, b integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a procedure OUT parameter after a default
-- expect: 42P13
CREATE PROCEDURE p_new(a integer DEFAULT 1, OUT b integer) LANGUAGE sql AS 'SELECT 1';

-- case: a parameter name used twice
-- expect: 42P13
CREATE FUNCTION f_new(a integer, a text) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: the same name for an IN and an OUT parameter is allowed
-- expect: ok
CREATE FUNCTION f_new(a integer, OUT a integer) LANGUAGE sql AS 'SELECT 1';

-- case: two statements: the second is compared with the first, not the catalog
-- expect: 42P13
CREATE FUNCTION f_two(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE FUNCTION f_two(b integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: drop then re-create with a new shape
-- expect: ok
DROP FUNCTION f_int(integer);
CREATE FUNCTION f_int(b integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint';
