"""Small, valid content bundles written into a temporary folder, for tests to read or break.

Every text names its bundle, week and locale (for example "base week 3 (fr_CA)"), so a test
can tell from a page or a resolved item exactly where the resolver found it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

LOCALES = ("en", "fr_CA")
PRACTICES = ("breath", "stretch")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def markdown(meta: dict, body: str) -> str:
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}\n"


def bundle_meta(
    bundle_id: str,
    *,
    based_on: str | None = None,
    locales: tuple[str, ...] = LOCALES,
    approval: str = "not_required",
    approved_by: str | None = None,
    approved_on: str | None = None,
) -> dict:
    return {
        "id": bundle_id,
        "based_on": based_on,
        "default_locale": locales[0],
        "locales": list(locales),
        "title": {code: f"{bundle_id} title ({code})" for code in locales},
        "description": {code: f"{bundle_id} description ({code})" for code in locales},
        "review": {code: ("reviewed" if code == locales[0] else "draft") for code in locales},
        "provenance": {
            "authors": ["Test author"],
            "reviewers": [],
            "community": None,
            "permission_given_by": None,
            "permission_date": None,
            "licence": "CC-BY-SA-4.0",
            "approval": approval,
            "approved_by": approved_by,
            "approved_on": approved_on,
        },
    }


def write_meta(root: Path, bundle_id: str, **options) -> Path:
    meta = bundle_meta(bundle_id, **options)
    return write(root / bundle_id / "bundle.yaml", yaml.safe_dump(meta, sort_keys=False))


def week_meta(bundle_id: str, number: int, locale: str, practices=PRACTICES) -> dict:
    return {
        "theme": f"{bundle_id} week {number} ({locale})",
        "intention": f"{bundle_id} intention {number} ({locale})",
        "practices": list(practices),
        "prompts": [
            {"id": f"w{number:02d}-first", "text": f"{bundle_id} prompt {number} ({locale})"},
            {"id": f"w{number:02d}-second", "text": f"Second prompt {number} ({locale})"},
        ],
    }


def week_path(root: Path, bundle_id: str, number: int, locale: str) -> Path:
    return root / bundle_id / "weeks" / f"{number:02d}.{locale}.md"


def write_week(root: Path, bundle_id: str, number: int, locale: str, **changes) -> Path:
    meta = {**week_meta(bundle_id, number, locale), **changes}
    body = f"Some *warm* words for week {number}, in {locale}. A [link](https://example.org)."
    return write(week_path(root, bundle_id, number, locale), markdown(meta, body))


def write_practice(root: Path, bundle_id: str, practice_id: str, locale: str) -> Path:
    meta = {
        "title": f"{practice_id} practice ({locale})",
        "minutes": 5,
        "why": f"Why {practice_id} helps ({locale}).",
        "too_much": "Stop, open your eyes and look around the room.",
        "steps": [f"First step of {practice_id} ({locale}).", "Second step."],
    }
    path = root / bundle_id / "practices" / f"{practice_id}.{locale}.md"
    return write(path, markdown(meta, ""))


def write_session(root: Path, bundle_id: str, moment: str, locale: str) -> Path:
    meta = {
        "title": f"{bundle_id} {moment} block ({locale})",
        "practices": ["breath"],
        "prompts": [{"id": f"{moment[:4]}-hopes", "text": f"{moment} prompt ({locale})"}],
    }
    path = root / bundle_id / "sessions" / f"{moment}.{locale}.md"
    return write(path, markdown(meta, f"Words for the {moment} week ({locale})."))


def write_base_bundle(root: Path, bundle_id: str = "base", locales=LOCALES, **options) -> Path:
    """A complete base bundle: 12 weeks, both session blocks and two practices per locale."""
    write_meta(root, bundle_id, locales=locales, **options)
    for locale in locales:
        for number in range(1, 13):
            write_week(root, bundle_id, number, locale)
        for moment in ("preparation", "integration"):
            write_session(root, bundle_id, moment, locale)
        for practice_id in PRACTICES:
            write_practice(root, bundle_id, practice_id, locale)
    return root / bundle_id


def write_derived_bundle(
    root: Path,
    bundle_id: str,
    based_on: str = "base",
    weeks: tuple[int, ...] = (),
    locales=LOCALES,
    **options,
) -> Path:
    """A bundle based on another that overrides only the given weeks, in its locales."""
    write_meta(root, bundle_id, based_on=based_on, locales=locales, **options)
    for locale in locales:
        for number in weeks:
            write_week(root, bundle_id, number, locale)
    return root / bundle_id
