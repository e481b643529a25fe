CREATE INDEX t_a_idx ON public.t (a);
