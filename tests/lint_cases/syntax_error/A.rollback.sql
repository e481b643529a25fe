DROP TABLE public.t
DROP TABLE public.u;
