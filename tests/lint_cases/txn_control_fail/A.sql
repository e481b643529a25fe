BEGIN;
CREATE TABLE public.t (a int);
SAVEPOINT before_fill;
INSERT INTO public.t VALUES (1);
ROLLBACK TO SAVEPOINT before_fill;
DO $$
BEGIN
    INSERT INTO public.t VALUES (2);
    COMMIT;
END
$$;
COMMIT;
