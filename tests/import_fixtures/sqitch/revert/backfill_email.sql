-- Revert billing:backfill_email from pg

-- nothing to revert
