"""Program content as data: bundles on disk, validated at start-up, one resolver.

Use `get_content(kind, id, locale, bundle)`; no other code falls back between locales or
bundles by itself.
"""

from __future__ import annotations

from flask import current_app

from app.content.library import Library, Resolved
from app.content.loader import ContentError, Problem, load_library

__all__ = [
    "ContentError",
    "Library",
    "Problem",
    "Resolved",
    "get_content",
    "library",
    "load_library",
]


def library() -> Library:
    return current_app.extensions["tend_content"]


def get_content(kind: str, item_id: str, locale: str, bundle: str) -> Resolved | None:
    return library().get(kind, item_id, locale, bundle)
