"""The team's content pages: provenance and review status, choosing a cohort's bundle (only an
approved one, audited), who may change it, and previewing any week in any language."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlmodel import select

from app import content
from app.models import AuditEvent
from tests.conftest import post, sign_in
from tests.unit.content_bundles import write_base_bundle, write_meta


def content_url(cohort) -> str:
    return f"/team/cohorts/{cohort.id}/content"


def preview_url(cohort, number: int, locale: str | None = None) -> str:
    url = f"/team/cohorts/{cohort.id}/content/week/{number}"
    return f"{url}?locale={locale}" if locale else url


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def theme(app, number: int, locale: str, bundle: str = "core") -> str:
    with app.app_context():
        resolved = content.get_content("week", f"{number:02d}", locale, bundle)
    return str(escape(resolved.item.data.theme))


def bundle_of(db, cohort) -> str:
    db.refresh(cohort)
    return cohort.bundle_id


def content_events(db, cohort) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.action == "cohort_content_changed", AuditEvent.cohort_id == cohort.id
    )
    return list(db.exec(query))


@pytest.fixture
def facilitator(client, world):
    sign_in(client, world.facilitator)
    return world.facilitator


def test_the_content_page_shows_each_bundles_provenance_and_review_status(
    client, facilitator, world
):
    html = page(client, content_url(world.cohort))
    for title in (
        "Tend core curriculum",
        "Tend for health-care workers",
        "Community adaptation template",
    ):
        assert title in html
    assert "Tend contributors" in html
    assert "CC-BY-SA-4.0" in html
    assert "<strong>draft</strong>" in html
    assert "Awaiting approval by a named knowledge holder" in html
    assert 'Tend core curriculum <span class="badge">in use</span>' in html


def test_the_bundle_choice_offers_only_approved_bundles(client, facilitator, world):
    html = page(client, content_url(world.cohort))
    assert '<option selected value="core">' in html
    assert 'value="healthcare-workers"' in html
    assert 'value="community-template"' not in html


def test_choosing_a_bundle_redirects_with_303_and_is_audited(client, db, facilitator, world):
    response = post(client, content_url(world.cohort), {"bundle_id": "healthcare-workers"})
    assert response.status_code == 303
    assert urlsplit(response.location).path == content_url(world.cohort)
    assert bundle_of(db, world.cohort) == "healthcare-workers"
    [event] = content_events(db, world.cohort)
    assert (event.actor_id, event.object_type, event.object_id) == (
        facilitator.id,
        "bundle",
        "healthcare-workers",
    )


def test_participants_see_the_new_bundle_once_it_is_chosen(app, client, facilitator, world):
    post(client, content_url(world.cohort), {"bundle_id": "healthcare-workers"})
    participant = app.test_client()
    sign_in(participant, world.participant)
    assert theme(app, 3, "en", "healthcare-workers") in page(participant, "/week/3")


def test_opening_previews_lets_participants_read_ahead(app, client, facilitator, world):
    post(client, content_url(world.cohort), {"bundle_id": "core", "allow_previews": "y"})
    participant = app.test_client()
    sign_in(participant, world.participant)
    assert participant.get("/week/4").status_code == 200


@pytest.mark.parametrize("bundle_id", ["community-template", "no-such-bundle", ""])
def test_a_bundle_that_is_not_approved_or_not_known_is_refused_with_422(
    client, db, facilitator, world, bundle_id
):
    response = post(client, content_url(world.cohort), {"bundle_id": bundle_id})
    assert response.status_code == 422
    assert bundle_of(db, world.cohort) == "core"
    assert content_events(db, world.cohort) == []


def test_a_medical_lead_sees_the_content_but_cannot_change_it(client, db, world):
    sign_in(client, world.medical)
    html = page(client, content_url(world.cohort))
    assert "Tend core curriculum" in html
    assert "<select" not in html
    response = post(client, content_url(world.cohort), {"bundle_id": "healthcare-workers"})
    assert response.status_code == 403
    assert bundle_of(db, world.cohort) == "core"
    assert content_events(db, world.cohort) == []


def test_a_facilitator_of_another_cohort_can_neither_see_nor_change_it(client, db, world):
    sign_in(client, world.other_facilitator)
    assert client.get(content_url(world.cohort)).status_code == 403
    assert client.get(preview_url(world.cohort, 3)).status_code == 403
    response = post(client, content_url(world.cohort), {"bundle_id": "healthcare-workers"})
    assert response.status_code == 403
    assert bundle_of(db, world.cohort) == "core"


def test_an_admin_may_choose_a_bundle(client, db, world):
    sign_in(client, world.admin)
    response = post(client, content_url(world.cohort), {"bundle_id": "healthcare-workers"})
    assert response.status_code == 303
    assert [e.actor_id for e in content_events(db, world.cohort)] == [world.admin.id]


# --- Preview. -------------------------------------------------------------------------------


def test_previewing_a_week_in_canadian_french_shows_the_french_theme(
    app, client, facilitator, world
):
    html = page(client, preview_url(world.cohort, 3, "fr_CA"))
    assert f'<span lang="fr-CA">{theme(app, 3, "fr_CA")}</span>' in html
    assert theme(app, 3, "en") not in html
    assert "Review: draft" in html


def test_previewing_defaults_to_the_cohorts_language(app, client, facilitator, world):
    assert f'<span lang="en">{theme(app, 3, "en")}</span>' in page(
        client, preview_url(world.cohort, 3)
    )


def test_the_team_may_preview_a_week_participants_cannot_open_yet(app, client, facilitator, world):
    assert theme(app, 12, "fr_CA") in page(client, preview_url(world.cohort, 12, "fr_CA"))


def test_a_medical_lead_may_preview(app, client, world):
    sign_in(client, world.medical)
    assert theme(app, 5, "en") in page(client, preview_url(world.cohort, 5, "en"))


def test_the_preview_names_the_bundle_each_week_comes_from(app, client, db, facilitator, world):
    world.cohort.bundle_id = "healthcare-workers"
    db.add(world.cohort)
    db.commit()
    overridden = page(client, preview_url(world.cohort, 3, "en"))
    assert theme(app, 3, "en", "healthcare-workers") in overridden
    assert "Source: Tend for health-care workers." in overridden
    inherited = page(client, preview_url(world.cohort, 4, "en"))
    assert "Source: Tend core curriculum." in inherited


@pytest.mark.parametrize(
    ("number", "locale"), [(0, "en"), (13, "en"), (3, "de"), (3, "fr")], ids=str
)
def test_a_preview_outside_the_weeks_or_languages_is_not_found(
    client, facilitator, world, number, locale
):
    assert client.get(preview_url(world.cohort, number, locale)).status_code == 404


# --- Approval in a bundles folder of our own. ----------------------------------------------


@pytest.fixture
def team_client(tmp_path, make_app, world):
    """The facilitator, on an app whose bundles folder holds core and two community bundles:
    one awaiting approval and one approved by a named knowledge holder."""
    root = tmp_path / "bundles"
    write_base_bundle(root, "core")
    write_meta(root, "awaiting", based_on="core", approval="required")
    write_meta(
        root,
        "approved",
        based_on="core",
        approval="required",
        approved_by="A named knowledge holder",
        approved_on="2026-01-15",
    )
    client = make_app(content_root=str(root)).test_client()
    sign_in(client, world.facilitator)
    return client


def test_a_community_bundle_awaiting_approval_is_refused_and_an_approved_one_accepted(
    team_client, db, world
):
    html = page(team_client, content_url(world.cohort))
    assert 'value="approved"' in html
    assert 'value="awaiting"' not in html
    assert "Approved by A named knowledge holder" in html

    refused = post(team_client, content_url(world.cohort), {"bundle_id": "awaiting"})
    assert refused.status_code == 422
    assert bundle_of(db, world.cohort) == "core"

    accepted = post(team_client, content_url(world.cohort), {"bundle_id": "approved"})
    assert accepted.status_code == 303
    assert bundle_of(db, world.cohort) == "approved"
