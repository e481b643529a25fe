CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    INSERT INTO public.iu_lifecycle_log (iu_id, state, note) VALUES (p_draft_id, 'draft', p_review_note);
END
$$;

UPDATE public.information_unit SET status = 'draft' WHERE id IS NULL;
