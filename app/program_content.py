"""Which content bundles exist and which may be given to a cohort."""

from __future__ import annotations

from app.config import ROOT

BUNDLES = ROOT / "app" / "content" / "bundles"


def assignable_bundles() -> list[tuple[str, str]]:
    return [("core", "core")]
