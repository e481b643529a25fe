-- BEGIN; COMMIT;  (a comment)
/* ROLLBACK; */
CREATE TABLE public.notes (body text DEFAULT 'COMMIT;');
COMMENT ON TABLE public.notes IS 'BEGIN; ... COMMIT;';
-- a procedure may commit: that is checked where it is called, not where it is created
CREATE PROCEDURE public.batch() LANGUAGE plpgsql AS $$
BEGIN
    COMMIT;
END
$$;
DO $$
BEGIN
    RAISE NOTICE 'COMMIT';
END
$$;
