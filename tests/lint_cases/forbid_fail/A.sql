CREATE TABLE public.keep (a int);
DROP TABLE IF EXISTS public.legacy;
truncate public.audit_log;
WITH gone AS (DELETE FROM public.queue RETURNING id) SELECT count(*) FROM gone;
ALTER TABLE public.customer DROP COLUMN fax;
DO $$
BEGIN
    DROP SCHEMA staging CASCADE;
END
$$;
