-- schema
CREATE SCHEMA ${schema};
COMMENT ON SCHEMA ${schema} IS 'billing';
