DROP TABLE public.iu_lifecycle_log;
DROP TABLE public.iu_lifecycle_vocab;
