CREATE SCHEMA app;
CREATE TABLE vocab (state text PRIMARY KEY);
INSERT INTO public.settings (k, v) VALUES ('vocab', 'on');
ALTER TABLE public.customer ADD COLUMN tier text, ADD CONSTRAINT customer_tier_chk CHECK (tier <> '');
CREATE FUNCTION app.fn_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER trg_guard BEFORE UPDATE ON app.vocab FOR EACH ROW EXECUTE FUNCTION app.fn_guard();
CREATE OR REPLACE VIEW public.v_vocab AS SELECT state FROM app.vocab;
