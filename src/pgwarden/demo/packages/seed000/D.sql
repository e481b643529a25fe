ALTER TABLE public.information_unit ADD COLUMN gateway text;
GRANT EXECUTE ON FUNCTION public.fn_iu_enact(uuid, text, boolean) TO PUBLIC;
