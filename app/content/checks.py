"""Checks across files: references, translations, consistency between locales."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.content.loader import PROGRAM_WEEKS, Bundle, Problem
from app.content.schemas import SESSION_MOMENTS


def cross_checks(library, name: Callable[[Path], str]) -> list[Problem]:
    problems: list[Problem] = []
    for bundle in library.bundles.values():
        problems += _base_checks(library, bundle, name)
        problems += _completeness(library, bundle, name)
        problems += _references(library, bundle, name)
        problems += _same_structure_across_locales(bundle, name)
    return problems


def _base_checks(library, bundle: Bundle, name) -> list[Problem]:
    meta_file = name(bundle.path / "bundle.yaml")
    based_on = bundle.meta.based_on
    if based_on is None:
        return []
    if based_on not in library.bundles:
        return [Problem(meta_file, "based_on", f"no bundle named {based_on!r}")]
    if bundle.id in {b.id for b in library.chain(based_on)}:
        return [Problem(meta_file, "based_on", "bundles are based on each other in a circle")]
    return []


def _completeness(library, bundle: Bundle, name) -> list[Problem]:
    """Every item exists in every locale the bundle lists; a base bundle has all 12 weeks."""
    problems = []
    if bundle.meta.based_on is None:
        required = [("week", f"{n:02d}") for n in range(1, PROGRAM_WEEKS + 1)]
        required += [("session", moment) for moment in SESSION_MOMENTS]
        for kind, item_id in required:
            if (kind, item_id, bundle.meta.default_locale) not in bundle.items:
                folder = "weeks" if kind == "week" else "sessions"
                file = name(bundle.path / folder / f"{item_id}.{bundle.meta.default_locale}.md")
                problems.append(Problem(file, "(file)", "missing: a base bundle needs it"))
    present = {(kind, item_id) for (kind, item_id, _locale) in bundle.items}
    for kind, item_id in sorted(present):
        any_item = next(
            i for (k, i_id, _l), i in bundle.items.items() if (k, i_id) == (kind, item_id)
        )
        for locale in bundle.meta.locales:
            if (kind, item_id, locale) in bundle.items:
                continue
            if any_item.path.suffix == ".yaml":
                problems.append(
                    Problem(name(any_item.path), f"text.{locale}", "missing translation")
                )
            else:
                missing = any_item.path.with_name(f"{item_id}.{locale}.md")
                problems.append(Problem(name(missing), "(file)", f"missing translation ({locale})"))
    return problems


def _references(library, bundle: Bundle, name) -> list[Problem]:
    problems = []
    practices = library.ids("practice", bundle.id)
    for (kind, _item_id, _locale), item in sorted(bundle.items.items()):
        if kind not in ("week", "session"):
            continue
        for index, practice_id in enumerate(item.data.practices):
            if practice_id not in practices:
                problems.append(
                    Problem(
                        name(item.path),
                        f"practices[{index}]",
                        f"no practice {practice_id!r} in this bundle or its base",
                    )
                )
        prompt_ids = [prompt.id for prompt in item.data.prompts]
        if len(prompt_ids) != len(set(prompt_ids)):
            problems.append(Problem(name(item.path), "prompts", "two prompts share an id"))
    return problems


def _same_structure_across_locales(bundle: Bundle, name) -> list[Problem]:
    """Translations list the same practices and prompt ids, so progress means the same thing."""
    problems = []
    default = bundle.meta.default_locale
    for (kind, item_id, locale), item in sorted(bundle.items.items()):
        if kind not in ("week", "session") or locale == default:
            continue
        original = bundle.items.get((kind, item_id, default))
        if original is None:
            continue
        if list(item.data.practices) != list(original.data.practices):
            problems.append(
                Problem(name(item.path), "practices", f"differs from the {default} version")
            )
        if [p.id for p in item.data.prompts] != [p.id for p in original.data.prompts]:
            problems.append(
                Problem(name(item.path), "prompts", f"prompt ids differ from the {default} version")
            )
    return problems
