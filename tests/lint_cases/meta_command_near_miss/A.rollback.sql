DROP FUNCTION public.slash();
DROP TABLE public.paths;
