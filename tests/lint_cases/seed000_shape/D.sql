CREATE TABLE public.dot_config (
    key text PRIMARY KEY,
    value text NOT NULL
);

INSERT INTO public.dot_config (key, value) VALUES ('gateway', 'on');

-- a backfill that looks harmless
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT id FROM public.information_unit WHERE false LOOP
        PERFORM public.fn_iu_enact(r.id, 'backfill', false);
    END LOOP;
END
$$;

GRANT SELECT ON public.dot_config TO PUBLIC;
