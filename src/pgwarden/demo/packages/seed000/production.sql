-- Seed 000's production before M3a: the live fn_iu_apply_edit_draft has `p_review_note text DEFAULT NULL::text`.
CREATE TABLE public.information_unit (
    id uuid PRIMARY KEY,
    state text NOT NULL DEFAULT 'draft'
);
CREATE TABLE public.iu_draft (
    id uuid PRIMARY KEY,
    iu_id uuid REFERENCES public.information_unit,
    body jsonb
);
INSERT INTO public.information_unit (id, state)
SELECT md5(g::text)::uuid, 'draft' FROM generate_series(1, 40) g;

CREATE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $body$
BEGIN
    -- validate the draft, the actor and the lifecycle state before applying
    PERFORM 1 FROM public.iu_draft WHERE id = p_draft_id;
    RETURN jsonb_build_object('draft', p_draft_id, 'actor', p_actor, 'note', p_review_note);
END
$body$;
