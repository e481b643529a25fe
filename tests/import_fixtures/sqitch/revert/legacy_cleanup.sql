-- Revert billing:legacy_cleanup from pg

-- nothing to revert
