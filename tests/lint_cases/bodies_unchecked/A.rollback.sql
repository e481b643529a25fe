DROP FUNCTION public.f_dynamic(text);
DROP FUNCTION public.f_rowtype_clean();
DROP FUNCTION public.f_rowtype_mentions();
