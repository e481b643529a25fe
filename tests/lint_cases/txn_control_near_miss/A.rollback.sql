DROP PROCEDURE public.batch();
DROP TABLE public.notes;
