\set ON_ERROR_STOP on
CREATE TABLE public.t (a int);
\i other.sql
SELECT count(*) AS n FROM public.t \gset
  \echo don't stop
INSERT INTO public.t VALUES (1);
