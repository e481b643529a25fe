"""pgwarden: make production PostgreSQL changes provable."""

__version__ = "0.1.0"
