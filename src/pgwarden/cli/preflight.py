"""Preflight has no command of its own: ``pgwarden check PACKAGE --dsn DSN`` runs it (pgwarden.preflight)."""
