-- undoing the bundle's own CREATE TABLE is allowed although DROP TABLE is forbidden in bundles
DROP TABLE public.staging_rows;
