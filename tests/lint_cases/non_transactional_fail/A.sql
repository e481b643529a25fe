CREATE TABLE public.t (a int, b int);
CREATE INDEX CONCURRENTLY t_a_idx ON public.t (a);
VACUUM (ANALYZE) public.t;
ALTER SYSTEM SET work_mem = '64MB';
REINDEX (CONCURRENTLY) TABLE public.t;
CREATE DATABASE scratch;
ALTER TYPE public.mood ADD VALUE 'meh';
CLUSTER;
