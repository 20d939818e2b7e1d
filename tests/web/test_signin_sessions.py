"""Sign-in, sign-out and server-side sessions: ending a session really ends it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from app.models import SignInSession, utcnow
from tests.conftest import PASSWORD, post, sign_in

COOKIE = "tend"
MISMATCH = "That email and password do not match. Please try again."
NEW_PASSWORD = "lantern over the harbour"


def is_sent_to_sign_in(response) -> bool:
    return response.status_code in (302, 303) and urlsplit(response.location).path == "/signin"


def attempt(client, email: str, password: str):
    return post(client, "/signin", {"email": email, "password": password})


def sessions_of(db, user) -> list[SignInSession]:
    db.expire_all()
    query = select(SignInSession).where(SignInSession.user_id == user.id)
    return list(db.exec(query.order_by(SignInSession.id)))


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def idle_for(db, user, idle: timedelta) -> None:
    for signin in sessions_of(db, user):
        signin.last_seen_at = utcnow() - idle
        db.add(signin)
    db.commit()


def test_the_right_password_signs_in_and_opens_home(client, db, world):
    response = attempt(client, world.facilitator.email, PASSWORD)
    assert response.status_code == 303
    assert response.location == "/"
    assert "Your cohorts" in client.get("/").get_data(as_text=True)
    assert len(sessions_of(db, world.facilitator)) == 1


def test_a_participant_with_consents_waiting_is_taken_to_them_after_signing_in(client, world):
    response = attempt(client, world.participant.email, PASSWORD)
    assert response.status_code == 303
    assert response.location == "/consent"
    assert "Hello, <bdi>Participant</bdi>" in client.get("/").get_data(as_text=True)


def test_the_email_is_matched_whatever_its_case(client, world):
    assert attempt(client, world.participant.email.upper(), PASSWORD).status_code == 303


def test_a_signed_in_page_sends_a_signed_out_visitor_to_sign_in(client, world):
    assert is_sent_to_sign_in(client.get("/"))


def _comparable(page: str, email: str) -> str:
    page = page.replace(email, "EMAIL")
    return re.sub(r'(csrf_token" value="|"X-CSRFToken": ")[^"]+', r"\1TOKEN", page)


def test_a_wrong_password_and_an_unknown_email_get_the_identical_page(client, world):
    wrong = attempt(client, world.participant.email, "not the password at all")
    unknown = attempt(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    wrong_page = wrong.get_data(as_text=True)
    assert MISMATCH in wrong_page
    assert "not the password at all" not in wrong_page
    assert _comparable(wrong_page, world.participant.email) == _comparable(
        unknown.get_data(as_text=True), "nobody@example.org"
    )


def test_a_deactivated_account_cannot_sign_in(client, db, world):
    world.participant.active = False
    db.add(world.participant)
    db.commit()
    response = attempt(client, world.participant.email, PASSWORD)
    assert response.status_code == 422
    assert MISMATCH in response.get_data(as_text=True)


def test_a_signed_in_person_opening_sign_in_is_sent_home(client, world):
    sign_in(client, world.participant)
    response = client.get("/signin")
    assert response.status_code == 302
    assert response.location == "/"


def test_a_shared_device_sign_in_marks_the_page_for_the_scripts(client, world):
    post(
        client,
        "/signin",
        {"email": world.participant.email, "password": PASSWORD, "shared_device": "y"},
    )
    assert "data-shared-device" in client.get("/").get_data(as_text=True)


def test_signing_out_ends_the_session_so_a_replayed_cookie_gets_sign_in(client, db, world):
    sign_in(client, world.participant)
    old_cookie = client.get_cookie(COOKIE).value
    response = post(client, "/signout")
    assert is_sent_to_sign_in(response)
    client.set_cookie(COOKIE, old_cookie)
    assert is_sent_to_sign_in(client.get("/"))
    assert sessions_of(db, world.participant)[0].revoked_at is not None


def test_signing_out_on_one_device_leaves_the_other_signed_in(app, client, world):
    other = app.test_client()
    sign_in(client, world.participant)
    sign_in(other, world.participant)
    post(client, "/signout")
    assert other.get("/").status_code == 200


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, client, world):
    phone = app.test_client()
    sign_in(phone, world.participant)
    sign_in(client, world.participant)
    response = post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert is_sent_to_sign_in(phone.get("/"))


def test_after_a_password_change_only_the_new_password_signs_in(app, client, world):
    sign_in(client, world.participant)
    post(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert attempt(app.test_client(), world.participant.email, PASSWORD).status_code == 422
    sign_in(app.test_client(), world.participant, NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing_and_signs_nobody_out(app, client, world):
    phone = app.test_client()
    sign_in(phone, world.participant)
    sign_in(client, world.participant)
    response = post(
        client,
        "/account/password",
        {"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    assert phone.get("/").status_code == 200
    sign_in(app.test_client(), world.participant)


def test_a_too_short_new_password_is_refused_with_its_message(client, world):
    sign_in(client, world.participant)
    response = post(
        client, "/account/password", {"current_password": PASSWORD, "new_password": "short"}
    )
    assert response.status_code == 422
    assert "Please use at least 10 characters." in response.get_data(as_text=True)


def test_sign_out_of_all_devices_ends_every_session_including_this_one(app, client, db, world):
    phone = app.test_client()
    sign_in(phone, world.participant)
    sign_in(client, world.participant)
    response = post(client, "/account/signout-everywhere")
    assert is_sent_to_sign_in(response)
    assert is_sent_to_sign_in(client.get("/"))
    assert is_sent_to_sign_in(phone.get("/"))
    assert all(s.revoked_at is not None for s in sessions_of(db, world.participant))


def test_sign_out_of_all_devices_leaves_other_people_signed_in(app, client, world):
    neighbour = app.test_client()
    sign_in(neighbour, world.same_group)
    sign_in(client, world.participant)
    post(client, "/account/signout-everywhere")
    assert neighbour.get("/").status_code == 200


@pytest.mark.parametrize(
    ("person", "idle", "still_signed_in"),
    [
        ("facilitator", timedelta(minutes=29), True),
        ("facilitator", timedelta(minutes=31), False),
        ("admin", timedelta(minutes=31), False),
        ("participant", timedelta(minutes=31), True),
        ("participant", timedelta(hours=11, minutes=59), True),
        ("participant", timedelta(hours=12, minutes=1), False),
    ],
)
def test_idle_sessions_end_after_30_minutes_for_staff_and_12_hours_for_participants(
    client, db, world, person, idle, still_signed_in
):
    user = getattr(world, person)
    sign_in(client, user)
    idle_for(db, user, idle)
    response = client.get("/")
    assert (response.status_code == 200) is still_signed_in
    if not still_signed_in:
        assert is_sent_to_sign_in(response)
        assert sessions_of(db, user)[0].revoked_at is not None


def test_the_staff_idle_timeout_is_configurable(make_app, db, world):
    client = make_app(staff_idle_minutes=5).test_client()
    sign_in(client, world.facilitator)
    idle_for(db, world.facilitator, timedelta(minutes=6))
    assert is_sent_to_sign_in(client.get("/"))


def test_activity_keeps_a_session_alive(client, db, world):
    sign_in(client, world.facilitator)
    idle_for(db, world.facilitator, timedelta(minutes=20))
    assert client.get("/").status_code == 200
    last_seen = sessions_of(db, world.facilitator)[0].last_seen_at
    assert utcnow() - aware(last_seen) < timedelta(minutes=1)
