DROP FUNCTION public.fn_iu_enact(uuid, text, boolean);
