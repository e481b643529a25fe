UPDATE public.information_unit SET status = 'draft' WHERE id = 1;
WITH moved AS (
    DELETE FROM information_unit WHERE status = 'obsolete' RETURNING *
)
INSERT INTO public.archive SELECT * FROM moved;
INSERT INTO public.information_unit (id) VALUES (2) ON CONFLICT DO NOTHING;
MERGE INTO public.information_unit AS t USING public.staging AS s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET status = s.status;
TRUNCATE public.staging, public.information_unit;
COPY public.information_unit FROM '/tmp/units.csv' WITH (FORMAT csv);
DELETE FROM accounting.ledger;
DO $$
BEGIN
    UPDATE public.information_unit SET status = 'x';
    EXECUTE 'DELETE FROM public.information_unit';
END
$$;
CREATE FUNCTION public.touch_units() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE information_unit SET status = status;
END
$$;
