-- setup
-- Second-review cases for routines: INOUT/OUT/TABLE, VARIADIC, polymorphism, quoting, long names.
CREATE SCHEMA s2;
CREATE DOMAIN mytype AS integer;
CREATE DOMAIN s2.mytype AS text;
CREATE TABLE tt (id bigint, name varchar(20));
CREATE FUNCTION f_inout(INOUT a integer) LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_var(VARIADIC a integer[]) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_comp(a anycompatible, b anycompatible) RETURNS anycompatible LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_pdef(a anyelement DEFAULT 1) RETURNS text LANGUAGE sql AS 'SELECT ''x''';
CREATE FUNCTION f_bdef(a bigint DEFAULT 1) RETURNS text LANGUAGE sql AS 'SELECT ''x''';
CREATE FUNCTION "F_Cap"("A" integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f_tab1(a integer) RETURNS TABLE(x integer) LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f_out1(a integer, OUT x integer) LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f_setrec(a integer, OUT x integer, OUT y text) RETURNS SETOF record LANGUAGE sql AS 'SELECT 1, ''a''';
CREATE FUNCTION f_arr(a integer[]) RETURNS integer[] LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_mixed(integer, b text) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f_dom(a mytype) RETURNS mytype LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION f_pct(a bigint) RETURNS varchar LANGUAGE sql AS 'SELECT ''x''';
CREATE FUNCTION f_trig() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE FUNCTION f_012345678901234567890123456789012345678901234567890123456789xyz(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION s2.f_s2(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE p_inout(INOUT a integer) LANGUAGE sql AS 'SELECT 1';

-- case: INOUT gains an OUT: the result becomes record
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_inout(INOUT a integer, OUT b text) LANGUAGE sql AS 'SELECT $1, ''x''';

-- case: INOUT renamed
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_inout(INOUT b integer) LANGUAGE sql AS 'SELECT $1';

-- case: INOUT kept
-- expect: ok
CREATE OR REPLACE FUNCTION f_inout(INOUT a integer) LANGUAGE sql AS 'SELECT $1 + 1';

-- case: INOUT as IN with RETURNS integer
-- expect: ok
CREATE OR REPLACE FUNCTION f_inout(a integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 + 1';

-- case: VARIADIC dropped from the same array type
-- expect: ok
CREATE OR REPLACE FUNCTION f_var(a integer[]) RETURNS integer LANGUAGE sql AS 'SELECT 2';

-- case: VARIADIC kept, spelled int[]
-- expect: ok
CREATE OR REPLACE FUNCTION f_var(VARIADIC a int[]) RETURNS integer LANGUAGE sql AS 'SELECT 2';

-- case: anyelement return becomes anyarray
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyarray LANGUAGE sql AS 'SELECT ARRAY[$1]';

-- case: anyelement kept
-- expect: ok
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1';

-- case: anycompatible return changes to anycompatiblearray
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_comp(a anycompatible, b anycompatible) RETURNS anycompatiblearray LANGUAGE sql AS 'SELECT ARRAY[$1, $2]';

-- case: anycompatible renamed parameter
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_comp(a anycompatible, c anycompatible) RETURNS anycompatible LANGUAGE sql AS 'SELECT $1';

-- case: polymorphic default 1 becomes 1::bigint
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_pdef(a anyelement DEFAULT 1::bigint) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: polymorphic default 1 becomes 2
-- expect: ok
CREATE OR REPLACE FUNCTION f_pdef(a anyelement DEFAULT 2) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: polymorphic default 1 becomes 1.5
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_pdef(a anyelement DEFAULT 1.5) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: bigint default 1 becomes 1::bigint
-- expect: ok
CREATE OR REPLACE FUNCTION f_bdef(a bigint DEFAULT 1::bigint) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: bigint default becomes 1::integer
-- expect: ok
CREATE OR REPLACE FUNCTION f_bdef(a bigint DEFAULT 1::integer) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: quoted capitals, return type changed
-- expect: 42P13
CREATE OR REPLACE FUNCTION "F_Cap"("A" integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1';

-- case: quoted capitals, parameter folded to lower case is a rename
-- expect: 42P13
CREATE OR REPLACE FUNCTION "F_Cap"(A integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: unquoted capitals are another function
-- expect: ok
CREATE OR REPLACE FUNCTION F_Cap(a integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1';

-- case: TABLE(x) replaced by SETOF integer
-- expect: ok
CREATE OR REPLACE FUNCTION f_tab1(a integer) RETURNS SETOF integer LANGUAGE sql AS 'SELECT 1';

-- case: TABLE(x) column renamed
-- expect: ok
CREATE OR REPLACE FUNCTION f_tab1(a integer) RETURNS TABLE(y integer) LANGUAGE sql AS 'SELECT 1';

-- case: TABLE(x) loses SETOF via OUT
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_tab1(a integer, OUT x integer) LANGUAGE sql AS 'SELECT 1';

-- case: single OUT renamed
-- expect: ok
CREATE OR REPLACE FUNCTION f_out1(a integer, OUT y integer) LANGUAGE sql AS 'SELECT 1';

-- case: single OUT replaced by RETURNS integer
-- expect: ok
CREATE OR REPLACE FUNCTION f_out1(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: SETOF record OUT becomes TABLE
-- expect: ok
CREATE OR REPLACE FUNCTION f_setrec(a integer) RETURNS TABLE(x integer, y text) LANGUAGE sql AS 'SELECT 1, ''a''';

-- case: SETOF record OUT becomes TABLE with varchar
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_setrec(a integer) RETURNS TABLE(x integer, y varchar) LANGUAGE sql AS 'SELECT 1, ''a''';

-- case: SETOF record loses SETOF
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_setrec(a integer, OUT x integer, OUT y text) LANGUAGE sql AS 'SELECT 1, ''a''';

-- case: array spelled _int4
-- expect: ok
CREATE OR REPLACE FUNCTION f_arr(a _int4) RETURNS int4[] LANGUAGE sql AS 'SELECT $1';

-- case: array return becomes bigint[]
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_arr(a integer[]) RETURNS bigint[] LANGUAGE sql AS 'SELECT $1::bigint[]';

-- case: mixed: name the unnamed one
-- expect: ok
CREATE OR REPLACE FUNCTION f_mixed(a integer, b text) RETURNS integer LANGUAGE sql AS 'SELECT 2';

-- case: mixed: rename the named one
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_mixed(a integer, c text) RETURNS integer LANGUAGE sql AS 'SELECT 2';

-- case: mixed: drop the name of the named one
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_mixed(integer, text) RETURNS integer LANGUAGE sql AS 'SELECT 2';

-- case: domain return under a search_path that shadows the domain
-- expect: 42P13
SET LOCAL search_path = s2, public;
CREATE OR REPLACE FUNCTION public.f_dom(a public.mytype) RETURNS mytype LANGUAGE sql AS 'SELECT ''x''::text';

-- case: domain param under a shadowing search_path is a new overload
-- expect: ok
SET LOCAL search_path = s2, public;
CREATE OR REPLACE FUNCTION public.f_dom(a mytype) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: %TYPE parameter and return
-- expect: ok
CREATE OR REPLACE FUNCTION f_pct(a tt.id%TYPE) RETURNS tt.name%TYPE LANGUAGE sql AS 'SELECT ''y''';

-- case: %TYPE return with another base type
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_pct(a tt.id%TYPE) RETURNS tt.id%TYPE LANGUAGE sql AS 'SELECT 1';

-- case: trigger function becomes event_trigger
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_trig() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';

-- case: long name truncated to the existing function, return type changed
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_012345678901234567890123456789012345678901234567890123456789xyzLONGERTAIL(a integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1';

-- case: long name truncated to the existing function, same shape
-- expect: ok
CREATE OR REPLACE FUNCTION f_012345678901234567890123456789012345678901234567890123456789xyzLONGERTAIL(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 2';

-- case: qualified name in another schema
-- expect: 42P13
CREATE OR REPLACE FUNCTION s2.f_s2(a integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1';

-- case: unqualified name, function only in s2 on the path
-- expect: ok
SET LOCAL search_path = public, s2;
CREATE OR REPLACE FUNCTION f_s2(a integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1';

-- case: a function named like a pg_catalog one
-- expect: ok
CREATE OR REPLACE FUNCTION now() RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: qualified pg_catalog replace
-- expect: 42P13
CREATE OR REPLACE FUNCTION pg_catalog.now() RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: INOUT procedure gains OUT
-- expect: 42P13
CREATE OR REPLACE PROCEDURE p_inout(INOUT a integer, OUT b integer) LANGUAGE sql AS 'SELECT 1, 2';

-- case: INOUT procedure param renamed
-- expect: 42P13
CREATE OR REPLACE PROCEDURE p_inout(INOUT b integer) LANGUAGE sql AS 'SELECT 1';

-- case: INOUT procedure becomes IN
-- expect: 42P13
CREATE OR REPLACE PROCEDURE p_inout(a integer) LANGUAGE sql AS 'SELECT 1';

-- case: SET ROLE then replace a function owned by another role
-- expect: 42501
SET ROLE pfc_alice;
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1';

-- case: invalid plpgsql body
-- expect: 42601
CREATE OR REPLACE FUNCTION f_trig() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETRUN NULL; END';

-- case: invalid sql body
-- expect: 42601
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELEC $1';

-- case: sql body referring to a missing table
-- expect: ok
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1 FROM no_such_table';

-- case: missing language
-- expect: 42704
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE plperlx AS 'x';

-- case: sql-standard body
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql RETURN a;

-- case: SET ROLE to a missing role
-- expect: 22023
SET ROLE no_such_role_x;

-- case: SET ROLE, then RESET ROLE, then replace
-- expect: ok
SET ROLE pfc_alice;
RESET ROLE;
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1';

-- case: SET ROLE NONE
-- expect: ok
SET ROLE pfc_alice;
SET ROLE NONE;
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1';

-- case: SET ROLE to a role without CREATE in the qualified schema
-- expect: 42501
SET ROLE pfc_bob;
CREATE FUNCTION s2.f_new_bob() RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: SET SESSION AUTHORIZATION, then replace
-- expect: 42501
SET SESSION AUTHORIZATION pfc_alice;
CREATE OR REPLACE FUNCTION f_poly(a anyelement) RETURNS anyelement LANGUAGE sql AS 'SELECT $1';

-- case: invalid plpgsql body with check_function_bodies off
-- expect: ok
SET LOCAL check_function_bodies = off;
CREATE OR REPLACE FUNCTION f_trig() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETRUN NULL; END';

-- case: valid plpgsql body
-- expect: ok
CREATE OR REPLACE FUNCTION f_trig() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';

-- case: invalid body of a function whose replacement is refused first
-- expect: 42P13
CREATE OR REPLACE FUNCTION f_trig() RETURNS integer LANGUAGE plpgsql AS 'BEGIN RETRUN NULL; END';

-- case: a language an extension could install
-- expect: 42704
CREATE OR REPLACE FUNCTION f_new_lang() RETURNS integer LANGUAGE plpython3u AS 'return 1';

-- case: sql-standard body without polymorphic arguments
-- expect: ok
CREATE OR REPLACE FUNCTION f_int4(a integer) RETURNS integer LANGUAGE sql RETURN a + 1;

-- case: bigint default becomes a text
-- expect: 42804
CREATE OR REPLACE FUNCTION f_bdef(a bigint DEFAULT 'x'::text) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: bigint default becomes an untyped literal that is not a number
-- expect: 22P02
CREATE OR REPLACE FUNCTION f_bdef(a bigint DEFAULT 'x') RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: bigint default becomes an untyped numeric literal
-- expect: ok
CREATE OR REPLACE FUNCTION f_bdef(a bigint DEFAULT '7') RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: integer default from numeric (assignment cast)
-- expect: ok
CREATE OR REPLACE FUNCTION f_new_numdef(a integer DEFAULT 1.5) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: text default from integer (I/O to a string type)
-- expect: ok
CREATE OR REPLACE FUNCTION f_new_txtdef(a text DEFAULT 42) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: integer[] default from text[]
-- expect: 42804
CREATE OR REPLACE FUNCTION f_new_arrdef(a integer[] DEFAULT ARRAY['a']::text[]) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: bigint[] default from integer[]
-- expect: ok
CREATE OR REPLACE FUNCTION f_new_arrdef(a bigint[] DEFAULT ARRAY[1]) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: domain default from its base type
-- expect: ok
CREATE OR REPLACE FUNCTION f_new_domdef(a mytype DEFAULT 3) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: date default from a boolean
-- expect: 42804
CREATE OR REPLACE FUNCTION f_new_datedef(a date DEFAULT true) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: a typed default whose literal is invalid for its own type
-- expect: 22P02
CREATE OR REPLACE FUNCTION f_bdef(a bigint DEFAULT 'x'::bigint) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: integer default from an out-of-range bigint constant (cast at run time)
-- expect: ok
CREATE OR REPLACE FUNCTION f_new_bigdef(a integer DEFAULT 3000000000) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: NULL cast to another type than the parameter's
-- expect: 42804
CREATE OR REPLACE FUNCTION f_new_nulldef(a integer DEFAULT NULL::date) RETURNS text LANGUAGE sql AS 'SELECT ''x''';

-- case: a plpgsql function with a VARIADIC parameter (pglast's plpgsql parser refuses it; the server does not)
-- expect: ok
CREATE OR REPLACE FUNCTION f_var(VARIADIC a integer[]) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN a[1]; END $$;

-- case: a plpgsql syntax error at end of input
-- expect: 42601
CREATE OR REPLACE FUNCTION f_new_eoi() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN 1; $$;

-- case: a SQL body with two statements, the second broken
-- expect: 42601
CREATE OR REPLACE FUNCTION f_new_two() RETURNS integer LANGUAGE sql AS 'SELECT 1; SELEC 2';
