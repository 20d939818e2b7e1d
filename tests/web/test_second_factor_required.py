"""Where a second factor is required (production always), staff reach no participant data
with a password alone: not half-way through signing in, and not before setting one up."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
import pytest

from app.access import PUBLIC_ENDPOINTS
from app.auth.services import create_invites
from app.config import ConfigError, Settings
from app.models import Role, SignInSession, TotpFactor, utcnow
from app.security import HALF_SIGNED_IN_ENDPOINTS, SETUP_ONLY_ENDPOINTS
from tests.conftest import post
from tests.web.routes import ROUTES, request_route, route_url
from tests.web.second_factor_helpers import next_code, password_step, path_of, set_up_app

STAFF = ("facilitator", "medical", "admin", "somatic", "knowledge_keeper")


@pytest.fixture
def required(make_app):
    return make_app(second_factor_required=True)


@pytest.fixture
def staff(world):
    """Every staff role, the wider team included."""
    world.add_person("somatic", Role.somatic, world.cohort, cohort_role=Role.somatic)
    world.add_person(
        "knowledge_keeper", Role.knowledge_keeper, world.cohort, cohort_role=Role.knowledge_keeper
    )
    return world


def _with_app(db, user) -> str:
    secret = pyotp.random_base32()
    db.add(TotpFactor(user_id=user.id, secret=secret, confirmed_at=utcnow()))
    db.commit()
    return secret


@pytest.mark.parametrize("role", STAFF)
def test_half_signed_in_staff_reach_nothing_but_the_second_factor_step(
    required, db, staff, invite, role
):
    person = getattr(staff, role)
    _with_app(db, person)
    client = required.test_client()
    assert path_of(password_step(client, person)) == "/signin/second-factor"
    checked = 0
    for endpoint, method in ROUTES:
        if endpoint in PUBLIC_ENDPOINTS or endpoint in HALF_SIGNED_IN_ENDPOINTS:
            continue
        response = request_route(client, route_url(required, endpoint, staff, invite), method)
        assert response.status_code in (302, 303), f"{method} {endpoint}"
        assert urlsplit(response.location).path == "/signin", f"{method} {endpoint}"
        checked += 1
    assert checked > 100
    # And the step is still open after all that: nothing above ended or skipped it.
    assert client.get("/signin/second-factor").status_code == 200


@pytest.mark.parametrize("role", STAFF)
def test_staff_without_a_factor_reach_only_the_guided_setup(required, staff, invite, role):
    person = getattr(staff, role)
    client = required.test_client()
    landing = password_step(client, person)
    assert path_of(client.get(landing.location)) == "/second-factor/setup"
    for endpoint, method in ROUTES:
        if endpoint in PUBLIC_ENDPOINTS or endpoint in SETUP_ONLY_ENDPOINTS:
            continue
        response = request_route(client, route_url(required, endpoint, staff, invite), method)
        assert response.status_code in (302, 303), f"{method} {endpoint}"
        assert urlsplit(response.location).path == "/second-factor/setup", f"{method} {endpoint}"
    page = client.get("/second-factor/setup").get_data(as_text=True)
    assert "needs a second way to prove it is you" in page
    assert "Not now" not in page  # no skipping where it is required


def test_staff_joining_by_invite_are_guided_to_set_up_before_anything_else(required, db, world):
    [invite] = create_invites(
        db,
        world.admin,
        world.cohort.id,
        count=1,
        small_group_id=None,
        role=Role.medical,
        valid_for=timedelta(days=1),
    )
    client = required.test_client()
    data = {
        "code": invite.code,
        "display_name": "Ari Tester",
        "email": "ari@example.org",
        "password": "willow river morning",
    }
    assert post(client, "/enrol", data).status_code == 303
    assert path_of(client.get("/")) == "/second-factor/setup"
    assert path_of(client.get(f"/team/cohorts/{world.cohort.id}")) == "/second-factor/setup"


def test_htmx_requests_of_staff_without_a_factor_are_sent_to_setup(required, world):
    client = required.test_client()
    password_step(client, world.facilitator)
    response = client.get(f"/team/cohorts/{world.cohort.id}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/second-factor/setup"


def test_after_the_guided_setup_staff_open_their_cohort(required, world):
    client = required.test_client()
    password_step(client, world.facilitator)
    set_up_app(client)
    assert client.get(f"/team/cohorts/{world.cohort.id}").status_code == 200
    assert "Second factor not set" not in client.get("/").get_data(as_text=True)


def test_staff_with_a_factor_finish_signing_in_with_it(required, db, world):
    secret = _with_app(db, world.medical)
    client = required.test_client()
    password_step(client, world.medical)
    response = post(client, "/signin/second-factor/code", {"code": next_code(secret)})
    assert path_of(response) == "/"
    assert client.get(f"/team/cohorts/{world.cohort.id}").status_code == 200


def test_a_password_only_session_from_before_the_requirement_is_ended(required, client, db, world):
    # Signed in where the factor could be skipped, then the requirement came in.
    password_step(client, world.facilitator)
    _with_app(db, world.facilitator)
    other = required.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    response = other.get(f"/team/cohorts/{world.cohort.id}")
    assert path_of(response) == "/signin"
    signin = db.exec(
        SignInSession.__table__.select().where(SignInSession.user_id == world.facilitator.id)
    ).first()
    assert signin.revoked_at is not None


def test_where_it_may_be_skipped_staff_see_the_banner_and_participants_do_not(client, world):
    password_step(client, world.facilitator)
    page = client.get("/").get_data(as_text=True)
    assert "Second factor not set." in page and 'href="/second-factor/setup"' in page
    assert "Not now" in client.get("/second-factor/setup").get_data(as_text=True)
    post(client, "/signout")
    password_step(client, world.participant)
    assert "Second factor not set" not in client.get("/").get_data(as_text=True)


def test_production_requires_it_and_refuses_to_start_without():
    settings = Settings.from_env()
    production = dataclasses.replace(settings, env="production")
    assert production.staff_need_second_factor
    refused = dataclasses.replace(production, second_factor_required=False)
    with pytest.raises(ConfigError, match="SECOND_FACTOR_REQUIRED cannot be false in production"):
        refused.validate()
    assert not settings.staff_need_second_factor  # development and the tests may skip it


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECOND_FACTOR_REQUIRED", "true")
    assert Settings.from_env().staff_need_second_factor
    monkeypatch.setenv("SECOND_FACTOR_REQUIRED", "maybe")
    with pytest.raises(ConfigError, match="SECOND_FACTOR_REQUIRED must be true or false"):
        Settings.from_env()
