DROP INDEX CONCURRENTLY public.vocab_lower_idx;
