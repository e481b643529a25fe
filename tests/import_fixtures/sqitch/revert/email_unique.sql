-- Revert billing:email_unique from pg

DROP INDEX CONCURRENTLY app.users_email_key;
