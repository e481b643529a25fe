-- the only statement of a non-atomic bundle
CREATE INDEX CONCURRENTLY t_b_idx ON public.t (b);
