CREATE TABLE public.iu_lifecycle_vocab (
    state text PRIMARY KEY,
    description text NOT NULL
);

INSERT INTO public.iu_lifecycle_vocab (state, description) VALUES
    ('draft', 'being edited'),
    ('enacted', 'in force');

CREATE TABLE public.iu_lifecycle_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    iu_id uuid NOT NULL,
    state text NOT NULL REFERENCES public.iu_lifecycle_vocab (state),
    note text,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX iu_lifecycle_log_iu_idx ON public.iu_lifecycle_log (iu_id);

GRANT SELECT ON public.iu_lifecycle_vocab, public.iu_lifecycle_log TO PUBLIC;
