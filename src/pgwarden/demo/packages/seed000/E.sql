-- As authored in seed 000: the header leaves out the live `DEFAULT NULL::text`.
CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $body$
BEGIN
    PERFORM 1 FROM public.iu_draft WHERE id = p_draft_id;
    RETURN jsonb_build_object('draft', p_draft_id, 'actor', p_actor, 'note', p_review_note, 'patched', true);
END
$body$;
