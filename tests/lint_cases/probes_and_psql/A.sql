CREATE TABLE public.t (a int);
COPY public.t FROM STDIN;
