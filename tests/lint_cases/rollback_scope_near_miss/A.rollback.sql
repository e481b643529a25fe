DROP VIEW public.v_vocab;
DROP TRIGGER trg_guard ON vocab;
DROP FUNCTION fn_guard();
DELETE FROM public.settings WHERE k = 'vocab';
ALTER TABLE public.customer DROP CONSTRAINT customer_tier_chk, DROP COLUMN tier;
DROP TABLE app.vocab;
DROP SCHEMA app CASCADE;
