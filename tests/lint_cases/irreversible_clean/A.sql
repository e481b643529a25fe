CREATE TABLE public.vocab (state text PRIMARY KEY);
INSERT INTO public.vocab VALUES ('draft'), ('enacted');
SELECT public.fn_iu_enact(id, 'migration', true) FROM public.approved_units;
