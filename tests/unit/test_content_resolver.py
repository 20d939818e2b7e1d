"""The one resolver: (bundle, locale) → (bundle, default) → (base, locale) → (base, default),
derived bundles that override only some weeks, and which bundles a cohort may be given."""

from __future__ import annotations

import pytest

from app.content import load_library
from tests.unit.content_bundles import (
    write_base_bundle,
    write_derived_bundle,
    write_meta,
    write_practice,
)


@pytest.fixture
def library(tmp_path):
    """base (en, fr_CA, 12 weeks); derived overrides week 2 in both languages and adds a
    practice; english-only overrides week 3 in English only."""
    root = tmp_path / "bundles"
    write_base_bundle(root)
    write_derived_bundle(root, "derived", weeks=(2,))
    for locale in ("en", "fr_CA"):
        write_practice(root, "derived", "breath", locale)
        write_practice(root, "derived", "derived-only", locale)
    write_derived_bundle(root, "english-only", weeks=(3,), locales=("en",))
    return load_library(root)


def where(resolved) -> tuple[str, str]:
    return resolved.item.bundle_id, resolved.item.locale


def test_step_one_the_bundle_in_the_asked_locale(library):
    resolved = library.get("week", "02", "fr_CA", "derived")
    assert where(resolved) == ("derived", "fr_CA")
    assert resolved.item.data.theme == "derived week 2 (fr_CA)"
    assert resolved.fell_back is False
    assert resolved.lang_tag == "fr-CA"


def test_step_two_the_bundle_in_its_default_locale_before_the_base_in_the_asked_one(library):
    resolved = library.get("week", "03", "fr_CA", "english-only")
    assert where(resolved) == ("english-only", "en")
    assert resolved.fell_back is True
    assert resolved.lang_tag == "en"
    assert resolved.requested_locale == "fr_CA"


def test_step_three_the_base_bundle_in_the_asked_locale(library):
    resolved = library.get("week", "05", "fr_CA", "derived")
    assert where(resolved) == ("base", "fr_CA")
    assert resolved.fell_back is False


def test_step_three_also_serves_a_bundle_that_lacks_the_asked_locale(library):
    resolved = library.get("week", "05", "fr_CA", "english-only")
    assert where(resolved) == ("base", "fr_CA")
    assert resolved.fell_back is False


def test_step_four_the_base_bundle_in_its_default_locale(library):
    resolved = library.get("week", "05", "es", "derived")
    assert where(resolved) == ("base", "en")
    assert resolved.fell_back is True
    assert resolved.lang_tag == "en"


def test_a_locale_nobody_wrote_falls_back_to_the_bundles_own_default_first(library):
    assert where(library.get("week", "02", "es", "derived")) == ("derived", "en")


def test_the_resolver_answers_none_for_an_item_that_exists_nowhere_in_the_chain(library):
    assert library.get("week", "13", "en", "derived") is None
    assert library.get("practice", "derived-only", "en", "base") is None


def test_the_resolver_answers_none_for_an_unknown_bundle(library):
    assert library.get("week", "01", "en", "no-such-bundle") is None


def test_a_derived_bundle_overrides_only_its_own_weeks(library):
    sources = {
        number: library.get("week", f"{number:02d}", "en", "derived").item.bundle_id
        for number in range(1, 13)
    }
    assert sources == {number: ("derived" if number == 2 else "base") for number in range(1, 13)}


def test_a_derived_week_replaces_the_whole_week_for_its_locale(library):
    week = library.get("week", "02", "en", "derived").item
    assert week.data.intention == "derived intention 2 (en)"
    assert [p.text for p in week.data.prompts][0] == "derived prompt 2 (en)"


def test_a_derived_bundle_may_override_a_practice_of_its_base(library):
    assert where(library.get("practice", "breath", "en", "derived")) == ("derived", "en")
    assert where(library.get("practice", "stretch", "en", "derived")) == ("base", "en")


def test_the_base_bundle_never_sees_what_a_derived_bundle_adds(library):
    assert where(library.get("week", "02", "en", "base")) == ("base", "en")


def test_practice_ids_are_the_union_along_the_chain(library):
    assert library.ids("practice", "derived") == {"breath", "stretch", "derived-only"}
    assert library.ids("practice", "base") == {"breath", "stretch"}


def test_the_chain_walks_from_the_bundle_to_its_base(library):
    assert [b.id for b in library.chain("english-only")] == ["english-only", "base"]
    assert [b.id for b in library.chain("base")] == ["base"]


def test_review_status_is_per_locale(library):
    assert library.review_status("base", "en") == "reviewed"
    assert library.review_status("base", "fr_CA") == "draft"


def test_resolving_inside_the_app_uses_the_apps_library(app):
    from app.content import get_content

    with app.app_context():
        resolved = get_content("week", "03", "fr_CA", "core")
    assert where(resolved) == ("core", "fr_CA")
    assert resolved.item.data.theme == "Le regard positif inconditionnel et l'autocompassion"


# --- Approval: a bundle that needs a named knowledge holder's approval. -------------------


def approval_library(tmp_path, **provenance):
    root = tmp_path / "bundles"
    write_base_bundle(root)
    write_meta(root, "community", based_on="base", approval="required", **provenance)
    return load_library(root)


def test_a_bundle_that_requires_approval_and_has_no_approver_is_not_assignable(tmp_path):
    library = approval_library(tmp_path)
    assert [b.id for b in library.assignable()] == ["base"]
    assert "community" not in dict(library.assignable_choices())
    # It still loads and resolves, so its authors can preview their work.
    assert library.get("week", "01", "en", "community") is not None


def test_a_named_approver_without_a_date_is_not_yet_an_approval(tmp_path):
    library = approval_library(tmp_path, approved_by="A knowledge holder")
    assert "community" not in {b.id for b in library.assignable()}


def test_a_bundle_approved_by_a_named_knowledge_holder_on_a_date_is_assignable(tmp_path):
    library = approval_library(tmp_path, approved_by="A knowledge holder", approved_on="2026-01-15")
    assert {b.id for b in library.assignable()} == {"base", "community"}
    assert dict(library.assignable_choices())["community"] == "community title (en)"


def test_the_shipped_community_template_cannot_be_assigned(app):
    from app.content import library

    with app.app_context():
        assignable = {b.id for b in library().assignable()}
    assert "community-template" not in assignable
    assert {"core", "healthcare-workers"} <= assignable
