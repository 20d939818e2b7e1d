"""`content check` and `content report`, usable with or without a running app."""

from __future__ import annotations

from pathlib import Path

from app.content.loader import ContentError, load_library


def check(root: Path) -> list[str]:
    """Every problem as a `file: field: problem` line; empty when all bundles are sound."""
    try:
        load_library(root)
    except ContentError as error:
        return [str(problem) for problem in error.problems]
    return []


def coverage_table(root: Path) -> str:
    """A Markdown table: per bundle and locale, how many items exist there and the review."""
    library = load_library(root)
    lines = [
        "| bundle | locale | weeks | practices | sessions | review | assignable |",
        "|---|---|---|---|---|---|---|",
    ]
    for bundle in library.bundles.values():
        for locale in bundle.meta.locales:
            counts = {
                kind: sum(1 for (k, _i, loc) in bundle.items if k == kind and loc == locale)
                for kind in ("week", "practice", "session")
            }
            lines.append(
                f"| {bundle.id} | {locale} | {counts['week']} | {counts['practice']} | "
                f"{counts['session']} | {bundle.meta.review[locale]} | "
                f"{'yes' if bundle.meta.provenance.approved else 'no: awaits approval'} |"
            )
    return "\n".join(lines)
