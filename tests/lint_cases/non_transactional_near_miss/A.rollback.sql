DROP MATERIALIZED VIEW public.mv;
DROP TABLE public.t;
DROP TYPE public.mood;
