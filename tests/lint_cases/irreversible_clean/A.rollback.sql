DROP TABLE public.vocab;
