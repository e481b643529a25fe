DROP INDEX public.customer_loyalty_idx;
ALTER TABLE public.customer DROP COLUMN loyalty, DROP COLUMN email;
DROP TABLE public.customer;
TRUNCATE public.audit_log;
DELETE FROM public.orders WHERE true;
DROP FUNCTION public.fn_other(int);
