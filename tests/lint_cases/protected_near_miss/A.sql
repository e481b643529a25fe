CREATE TABLE audit.information_unit_copy AS SELECT * FROM public.information_unit;
UPDATE audit.information_unit SET status = 'x';
DELETE FROM public.archive USING public.information_unit AS iu WHERE archive.id = iu.id;
INSERT INTO public.archive SELECT * FROM public.information_unit FOR UPDATE;
COPY public.information_unit TO '/tmp/units.csv';
SET search_path = audit;
UPDATE information_unit SET status = 'y';
SELECT 'UPDATE public.information_unit SET x = 1';
