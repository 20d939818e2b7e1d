"""The loaded bundles and the one resolver with the fallback chain."""

from __future__ import annotations

from dataclasses import dataclass

from app.content.loader import Bundle, Item


@dataclass(frozen=True)
class Resolved:
    """A content item and the locale it was asked for; fell_back when they differ."""

    item: Item
    requested_locale: str

    @property
    def fell_back(self) -> bool:
        return self.item.locale != self.requested_locale

    @property
    def lang_tag(self) -> str:
        return self.item.locale.replace("_", "-")


class Library:
    def __init__(self, bundles: dict[str, Bundle]):
        self.bundles = bundles

    def bundle(self, bundle_id: str) -> Bundle | None:
        return self.bundles.get(bundle_id)

    def chain(self, bundle_id: str) -> list[Bundle]:
        """The bundle, then what it is based on, and so on (cycles stop the walk)."""
        chain, seen = [], set()
        current = self.bundles.get(bundle_id)
        while current is not None and current.id not in seen:
            chain.append(current)
            seen.add(current.id)
            current = self.bundles.get(current.meta.based_on) if current.meta.based_on else None
        return chain

    def get(self, kind: str, item_id: str, locale: str, bundle_id: str) -> Resolved | None:
        """(bundle, locale) → (bundle, its default) → (base, locale) → (base, its default) …"""
        for bundle in self.chain(bundle_id):
            for candidate in dict.fromkeys((locale, bundle.meta.default_locale)):
                item = bundle.items.get((kind, item_id, candidate))
                if item is not None:
                    return Resolved(item=item, requested_locale=locale)
        return None

    def ids(self, kind: str, bundle_id: str) -> set[str]:
        found: set[str] = set()
        for bundle in self.chain(bundle_id):
            found |= bundle.ids(kind)
        return found

    def assignable(self) -> list[Bundle]:
        """Bundles a cohort may use: approved by a named knowledge holder where required."""
        return [b for b in self.bundles.values() if b.meta.provenance.approved]

    def assignable_choices(self) -> list[tuple[str, str]]:
        """(id, title) pairs for a form's select, titled in each bundle's own language."""
        return [(b.id, b.meta.title[b.meta.default_locale]) for b in self.assignable()]

    def review_status(self, bundle_id: str, locale: str) -> str:
        bundle = self.bundles[bundle_id]
        return bundle.meta.review.get(locale, "draft")
