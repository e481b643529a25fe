CREATE FUNCTION public.fn_iu_enact(p_iu_id uuid, p_actor text, p_approved boolean)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NOT p_approved THEN
        RAISE EXCEPTION 'enactment needs approval' USING ERRCODE = 'P0001';
    END IF;
    INSERT INTO public.iu_lifecycle_log (iu_id, state, note) VALUES (p_iu_id, 'enacted', p_actor);
END
$$;

REVOKE ALL ON FUNCTION public.fn_iu_enact(uuid, text, boolean) FROM PUBLIC;
