-- \i not_a_command.sql
/* \set x 1
\echo still a comment */
CREATE TABLE public.paths (p text DEFAULT 'C:\temp\');
INSERT INTO public.paths VALUES (E'\\server\share\n'), ($$
\i inside a dollar quote
$$), ($tag$ \set $tag$);
CREATE FUNCTION public.slash() RETURNS text LANGUAGE sql AS '
SELECT ''
\q''';
