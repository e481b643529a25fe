-- Deploy billing:schema to pg

BEGIN;

CREATE SCHEMA app;
COMMENT ON SCHEMA app IS :'schema_comment';
GRANT USAGE ON SCHEMA :"schema" TO PUBLIC;

COMMIT;
