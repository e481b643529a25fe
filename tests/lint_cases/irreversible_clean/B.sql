UPDATE public.notes SET body = trim(body);
