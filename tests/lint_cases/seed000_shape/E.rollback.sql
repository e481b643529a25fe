CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    NULL;
END
$$;
