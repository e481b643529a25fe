"""``pgwarden evidence verify``: re-check a kit someone hands you."""

from __future__ import annotations

from pathlib import Path

from pgwarden.kit import KitVerification, verify_kit


def verify(path: Path) -> KitVerification:
    return verify_kit(path)
