-- SET ROLE / SET SESSION AUTHORIZATION: does the role exist, and may the session user become it? SET SESSION
-- AUTHORIZATION asks whether the user who logged in (%(auth)s) is a superuser, whatever the session is now.
SELECT r.rolname IS NOT NULL AS role_exists,
       CASE WHEN r.rolname IS NULL THEN false
            WHEN %(priv)s = 'SUPERUSER' THEN r.rolname = %(auth)s
                 OR coalesce((SELECT s.rolsuper FROM pg_catalog.pg_roles s WHERE s.rolname = %(auth)s), false)
            ELSE pg_catalog.pg_has_role(session_user, r.oid, %(priv)s) END AS allowed
FROM (SELECT 1) AS one
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = %(role)s;
