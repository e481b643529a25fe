DROP TABLE public.dot_config;
