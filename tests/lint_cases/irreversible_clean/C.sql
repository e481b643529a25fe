CREATE INDEX CONCURRENTLY vocab_lower_idx ON public.vocab (lower(state));
