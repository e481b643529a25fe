REVOKE EXECUTE ON FUNCTION public.fn_iu_enact(uuid, text, boolean) FROM PUBLIC;
ALTER TABLE public.information_unit DROP COLUMN gateway;
