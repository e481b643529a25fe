CREATE FUNCTION public.fn_iu_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'iu_lifecycle_log is append-only';
END
$$;
CREATE TRIGGER trg_iu_lifecycle_log_immutable BEFORE UPDATE OR DELETE ON public.iu_lifecycle_log
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_log_immutable();
