"""CSRF: every POST needs the token, from the form field or htmx's header, and a refusal
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.auth.services import create_invites
from app.models import Invite, User
from tests.conftest import PASSWORD, csrf_token, sign_in

REFUSED = "This form had expired or was sent from somewhere else, so nothing was saved."
NEW_PASSWORD = "lantern over the harbour"


def forged(client) -> dict:
    return {"csrf_token": "IjBhZDc0YjZmZTg2ZmMxNjQ4In0.Zmxz.forged-signature"}


def missing(client) -> dict:
    return {}


def someone_elses(client) -> dict:
    """A real token, but minted for another browser's session."""
    return {"csrf_token": csrf_token(client.application.test_client())}


BAD_TOKENS = [missing, forged, someone_elses]


def assert_refused(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert REFUSED in page
    assert "<html" in page
    assert "Traceback" not in page


@pytest.mark.parametrize("token", BAD_TOKENS, ids=lambda f: f.__name__)
def test_changing_the_password_without_a_good_token_is_refused_and_changes_nothing(
    app, client, world, token
):
    sign_in(client, world.participant)
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, **token(client)}
    assert_refused(client.post("/account/password", data=data))
    sign_in(app.test_client(), world.participant)


@pytest.mark.parametrize("token", BAD_TOKENS, ids=lambda f: f.__name__)
def test_signing_out_without_a_good_token_is_refused_and_the_session_lives_on(client, world, token):
    sign_in(client, world.participant)
    assert_refused(client.post("/signout", data=token(client)))
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("token", BAD_TOKENS, ids=lambda f: f.__name__)
def test_making_invites_without_a_good_token_makes_none(client, db, world, token):
    sign_in(client, world.facilitator)
    data = {"count": "3", "valid_days": "14", "role": "participant", **token(client)}
    assert_refused(client.post(f"/team/cohorts/{world.cohort.id}/invites", data=data))
    assert db.exec(select(func.count()).select_from(Invite)).one() == 0


@pytest.mark.parametrize("token", BAD_TOKENS, ids=lambda f: f.__name__)
def test_enrolling_without_a_good_token_creates_no_account(client, db, world, token):
    [invite] = create_invites(
        db,
        world.facilitator,
        world.cohort.id,
        count=1,
        small_group_id=None,
        valid_for=timedelta(days=1),
    )
    data = {
        "code": invite.code,
        "display_name": "Ari",
        "email": "ari@example.org",
        "password": NEW_PASSWORD,
        **token(client),
    }
    assert_refused(client.post("/enrol", data=data))
    assert db.exec(select(User).where(User.email == "ari@example.org")).first() is None


def test_a_signed_out_language_switch_without_a_token_keeps_the_language(client):
    assert_refused(client.post("/language", data={"locale": "fr_CA"}))
    assert '<html lang="en"' in client.get("/help").get_data(as_text=True)


def test_an_htmx_post_with_the_token_in_the_x_csrftoken_header_is_accepted(client, world):
    sign_in(client, world.facilitator)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(client)}
    response = client.post(
        f"/team/cohorts/{world.cohort.id}/invites",
        data={"count": "2", "valid_days": "14", "small_group": "0", "role": "participant"},
        headers=headers,
    )
    assert response.status_code == 303


def test_an_htmx_post_without_the_header_is_refused_and_shown_as_the_page(client, world):
    sign_in(client, world.participant)
    response = client.post("/signout", headers={"HX-Request": "true"})
    assert_refused(response)
    assert response.headers["HX-Retarget"] == "body"
    assert client.get("/").status_code == 200


def test_the_page_carries_the_token_for_htmx_on_body_and_in_every_form(client, world):
    sign_in(client, world.participant)
    page = client.get("/account").get_data(as_text=True)
    forms = page.count("<form")
    assert forms >= 3
    assert page.count('name="csrf_token"') == forms
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
