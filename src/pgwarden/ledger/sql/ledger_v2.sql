-- pgwarden's ledger, version 2: a row's digest is computed by pgwarden itself (pgwarden.ledger.ledger.digest, the
-- same form as version 1's function), so nothing pgwarden reads or writes calls a function in the database.
DROP FUNCTION pgwarden.attempt_digest(pgwarden.bundle_attempt);
