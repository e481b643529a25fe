-- setup
-- Type names are resolved by the server's catalog along the search path, never compared as strings:
-- varchar and character varying, int and integer, %TYPE, arrays, domains, search_path.
CREATE SCHEMA s2;
CREATE DOMAIN dom_int AS integer;
CREATE DOMAIN s2.dom_txt AS text;
CREATE TABLE tt (id integer, note varchar(20));
CREATE FUNCTION r_vc(a varchar) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION r_int(a int) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION r_dom(a dom_int) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION r_arr(a integer[]) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION r_ts(a timestamp with time zone) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION r_dbl(a double precision) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION s2.r_s2(a text) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: varchar is character varying
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_vc(b character varying) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a typmod does not change a parameter's type
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_vc(b varchar(30)) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: text is another type than varchar
-- expect: ok
CREATE OR REPLACE FUNCTION r_vc(b text) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: int4 is int is integer
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_int(b int4) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a domain is another type than its base type
-- expect: ok
CREATE OR REPLACE FUNCTION r_dom(b integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: the domain itself
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_dom(b dom_int) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: %TYPE follows the column (integer)
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_int(b tt.id%TYPE) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: %TYPE follows the column (varchar)
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_vc(b tt.note%TYPE) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: %TYPE of a missing column
-- expect: 42703
CREATE FUNCTION r_new(b tt.nosuch%TYPE) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: %TYPE of a missing table
-- expect: 42P01
CREATE FUNCTION r_new(b nosuchtbl.id%TYPE) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: int[] is integer[]
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_arr(b int[]) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: array dimensions do not change the type
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_arr(b int4[][]) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: timestamptz is timestamp with time zone
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_ts(b timestamptz) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: timestamp is another type than timestamptz
-- expect: ok
CREATE OR REPLACE FUNCTION r_ts(b timestamp) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: float8 is double precision
-- expect: 42P13
CREATE OR REPLACE FUNCTION r_dbl(b float8) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: search_path decides the schema a function is created in
-- expect: 42P13
SET search_path = s2, public;
CREATE OR REPLACE FUNCTION r_s2(b text) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: without it, the same name is a new function in public
-- expect: ok
CREATE OR REPLACE FUNCTION r_s2(b text) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a domain in another schema, qualified
-- expect: ok
CREATE FUNCTION r_d2(a s2.dom_txt) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a domain in a schema off the search path
-- expect: 42704
CREATE FUNCTION r_d3(a dom_txt) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a domain found once search_path includes its schema
-- expect: ok
SET search_path = public, s2;
CREATE FUNCTION r_d3(a dom_txt) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a type in a missing schema
-- expect: 3F000
CREATE FUNCTION r_d4(a nosch.sometype) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a domain created earlier in the bundle
-- expect: 42P13
CREATE DOMAIN dom_new AS integer;
CREATE FUNCTION r_new(a dom_new) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE FUNCTION r_new(b dom_new) RETURNS integer LANGUAGE sql AS 'SELECT 1';

-- case: a table's row type created earlier in the bundle
-- expect: 42P13
CREATE TABLE t_row (x int);
CREATE FUNCTION r_row(a t_row) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE FUNCTION r_row(b t_row) RETURNS integer LANGUAGE sql AS 'SELECT 1';
