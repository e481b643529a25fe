CREATE FUNCTION public.f_rowtype_mentions() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v public.information_unit%ROWTYPE;
BEGIN
    v.status := 'draft';
    PERFORM public.fn_iu_enact(v.id, 'x', false);
END
$$;
CREATE FUNCTION public.f_rowtype_clean() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v public.other%ROWTYPE;
BEGIN
    v.status := 'draft';
END
$$;
CREATE FUNCTION public.f_dynamic(p_table text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I SET status = %L', p_table, 'draft');
END
$$;
