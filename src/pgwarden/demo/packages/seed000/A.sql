CREATE TABLE public.iu_lifecycle_vocab (state text PRIMARY KEY);
CREATE TABLE public.iu_lifecycle_log (
    id bigserial PRIMARY KEY,
    iu_id uuid NOT NULL,
    state text NOT NULL REFERENCES public.iu_lifecycle_vocab,
    note text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX iu_lifecycle_log_iu ON public.iu_lifecycle_log (iu_id);
GRANT SELECT ON public.iu_lifecycle_log TO PUBLIC;
