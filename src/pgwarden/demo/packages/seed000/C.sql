CREATE FUNCTION public.fn_iu_enact(p_iu uuid, p_actor text, p_commit boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
BEGIN
    INSERT INTO public.iu_lifecycle_log (iu_id, state, note) VALUES (p_iu, 'enacted', p_actor);
END
$$;
-- SECURITY DEFINER: not callable by PUBLIC until bundle D opens the gateway.
REVOKE EXECUTE ON FUNCTION public.fn_iu_enact(uuid, text, boolean) FROM PUBLIC;
