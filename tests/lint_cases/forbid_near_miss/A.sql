-- DROP TABLE public.legacy;  (commented out)
CREATE TABLE public.staging_rows (a int);
DROP VIEW IF EXISTS public.old_report;
COMMENT ON TABLE public.staging_rows IS 'never DROP TABLE or TRUNCATE this';
DELETE FROM public.staging_rows;
