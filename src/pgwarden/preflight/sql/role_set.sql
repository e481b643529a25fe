-- SET ROLE / SET SESSION AUTHORIZATION: does the role exist, and may the session user become it?
SELECT r.rolname IS NOT NULL AS role_exists,
       CASE WHEN r.rolname IS NULL THEN false
            WHEN %(priv)s = 'SUPERUSER' THEN (SELECT s.rolsuper FROM pg_catalog.pg_roles s WHERE s.rolname = session_user)
            ELSE pg_catalog.pg_has_role(session_user, r.oid, %(priv)s) END AS allowed
FROM (SELECT 1) AS one
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = %(role)s;
