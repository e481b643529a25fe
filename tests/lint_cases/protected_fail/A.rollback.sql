DROP FUNCTION public.touch_units();
UPDATE public.information_unit SET status = 'draft' WHERE id = 1;
