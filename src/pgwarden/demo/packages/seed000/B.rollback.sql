DROP TRIGGER trg_iu_lifecycle_log_immutable ON public.iu_lifecycle_log;
DROP FUNCTION public.fn_iu_log_immutable();
