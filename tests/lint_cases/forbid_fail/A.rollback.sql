DROP TABLE public.keep;
