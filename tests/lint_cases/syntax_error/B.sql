CREATE INDEX t_a_idx ON public.t (a);
CREATE INDX t_b_idx ON public.t (b);
