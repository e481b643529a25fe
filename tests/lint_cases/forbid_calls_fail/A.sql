CREATE FUNCTION public.fn_iu_enact(p_id uuid, p_actor text, p_approved boolean DEFAULT false)
RETURNS void LANGUAGE sql AS $$ SELECT NULL $$;
SELECT public.fn_iu_enact(gen_random_uuid(), 'bulk', false);
SELECT fn_iu_enact(gen_random_uuid(), 'bulk', 'f');
CALL public.enact_all(public.fn_iu_enact(NULL, 'x', 'no'::boolean));
CREATE TABLE public.enactments (
    id uuid PRIMARY KEY,
    ok boolean DEFAULT (public.fn_iu_enact(NULL, 'default', false) IS NULL)
);
SELECT public.fn_iu_enact(gen_random_uuid(), 'bulk');
SELECT public.fn_iu_enact(p_approved => false, p_actor => 'x', p_id => NULL);
SELECT public.fn_iu_enact(id, 'x', approved) FROM public.requests;
CREATE FUNCTION public.enact_all_unchecked() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ok boolean := public.fn_iu_enact(NULL, 'init', FALSE) IS NULL;
BEGIN
    IF public.fn_purge() THEN
        RETURN;
    END IF;
END
$$;
CREATE FUNCTION public.enact_sql() RETURNS void LANGUAGE sql AS
'SELECT public.fn_iu_enact(NULL, ''sql body'', false)';
DO $$
BEGIN
    EXECUTE 'SELECT public.fn_iu_enact(NULL, ''dyn'', false)';
END
$$;
