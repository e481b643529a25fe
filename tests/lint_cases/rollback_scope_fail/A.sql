ALTER TABLE public.customer ADD COLUMN loyalty int;
CREATE INDEX customer_loyalty_idx ON public.customer (loyalty);
INSERT INTO public.audit_log (event) VALUES ('loyalty added');
