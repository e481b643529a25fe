DROP FUNCTION public.enact_sql();
DROP FUNCTION public.enact_all_unchecked();
DROP TABLE public.enactments;
DROP FUNCTION public.fn_iu_enact(uuid, text, boolean);
