SELECT public.fn_iu_enact(gen_random_uuid(), 'bulk', true);
SELECT public.fn_iu_enact(gen_random_uuid(), 'bulk', 'yes');
SELECT audit.fn_iu_enact(gen_random_uuid(), 'bulk', false);
SELECT public.fn_iu_enact(gen_random_uuid(), 'bulk', false, 'a fourth argument: another overload');
SELECT public.fn_iu_enact_v2(gen_random_uuid(), 'bulk', false);
SELECT 'public.fn_iu_enact(x, y, false)' AS documentation;
SET search_path = audit, pg_temp;
SELECT fn_iu_enact(gen_random_uuid(), 'bulk', false);
DO $$
BEGIN
    PERFORM public.fn_iu_enact(NULL, 'approved', true);
END
$$;
