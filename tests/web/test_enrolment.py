"""Enrolment with an invite code: it works once, and every refusal is kind and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.auth import services
from app.models import Invite, Membership, User, utcnow
from tests.conftest import post

NAME = "Ari Tester"
EMAIL = "ari@example.org"  # .test is a special-use domain the email check refuses
NEW_PASSWORD = "willow river morning"
INVALID_CODE = "That invite code is not valid"


def enrol(client, code: str, *, name=NAME, email=EMAIL, password=NEW_PASSWORD):
    data = {"code": code, "display_name": name, "email": email, "password": password}
    return post(client, "/enrol", data)


def echoed_password(page: str) -> str:
    """What the re-rendered password box holds: always nothing."""
    box = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', box)
    return value.group(1) if value else ""


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def fresh(db, invite: Invite) -> Invite:
    db.expire_all()
    return db.get(Invite, invite.id)


def test_a_valid_code_creates_the_account_and_membership_and_signs_in(client, db, world, invite):
    response = enrol(client, invite.code)
    assert response.status_code == 303
    assert response.location == "/"
    user = db.exec(select(User).where(User.email == EMAIL)).one()
    membership = db.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert (user.display_name, user.role) == (NAME, "participant")
    assert (membership.cohort_id, membership.small_group_id) == (world.cohort.id, world.cedar.id)
    assert fresh(db, invite).used_by_id == user.id
    home = client.get("/").get_data(as_text=True)
    assert f"Hello, <bdi>{NAME}</bdi>" in home
    assert "Week 3 of 12" in home


def test_the_code_may_be_typed_in_lower_case_with_spaces(client, db, world, invite):
    typed = invite.code.lower().replace("-", " ")
    assert enrol(client, typed).status_code == 303
    assert fresh(db, invite).used_at is not None


def test_the_email_is_stored_in_lower_case(client, db, world, invite):
    enrol(client, invite.code, email="Ari@Example.ORG")
    assert db.exec(select(User).where(User.email == EMAIL)).one()


def _spend(db, world, invite):
    services.enrol(
        db, code=invite.code, display_name="First", email="first@example.org", password=NEW_PASSWORD
    )
    return invite.code


def _expire(db, world, invite):
    invite.expires_at = utcnow() - timedelta(minutes=1)
    db.add(invite)
    db.commit()
    return invite.code


def _revoke(db, world, invite):
    services.revoke_invite(db, world.facilitator, invite)
    return invite.code


def _wrong(db, world, invite):
    return "ABCD-EFGH-JKMN"


@pytest.mark.parametrize("spoil", [_wrong, _spend, _expire, _revoke], ids=lambda f: f.__name__[1:])
def test_an_unusable_code_gets_one_kind_message_keeps_what_was_typed_and_creates_nothing(
    client, db, world, invite, spoil
):
    code = spoil(db, world, invite)
    users, memberships = count(db, User), count(db, Membership)
    response = enrol(client, code)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert INVALID_CODE in page
    assert f'value="{NAME}"' in page
    assert f'value="{EMAIL}"' in page
    assert NEW_PASSWORD not in page
    assert echoed_password(page) == ""
    assert (count(db, User), count(db, Membership)) == (users, memberships)
    assert db.exec(select(User).where(User.email == EMAIL)).first() is None


def test_an_email_that_already_has_an_account_is_refused_and_the_code_stays_open(
    client, db, world, invite
):
    [first] = services.create_invites(
        db,
        world.facilitator,
        world.cohort.id,
        count=1,
        small_group_id=None,
        valid_for=timedelta(days=1),
    )
    services.enrol(db, code=first.code, display_name="First", email=EMAIL, password=NEW_PASSWORD)
    users = count(db, User)
    response = enrol(client, invite.code, email=EMAIL.upper())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "An account with this email already exists" in page
    assert NEW_PASSWORD not in page
    assert count(db, User) == users
    assert fresh(db, invite).used_at is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Please choose a password."),
        ("short one", "Please use at least 10 characters."),
        ("password1234", "That password is one of the most common ones"),
        (EMAIL, "Please choose a password that is not your name or email."),
    ],
    ids=["empty", "too-short", "common", "personal"],
)
def test_a_weak_password_is_refused_with_its_own_message_and_nothing_is_created(
    client, db, world, invite, password, message
):
    users = count(db, User)
    response = enrol(client, invite.code, password=password)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'value="{NAME}"' in page
    assert echoed_password(page) == ""
    assert count(db, User) == users
    assert fresh(db, invite).used_at is None


def test_a_ten_character_password_is_long_enough(client, db, world, invite):
    assert enrol(client, invite.code, password="tide-pools").status_code == 303


def test_a_code_works_only_once(client, app, db, world, invite):
    assert enrol(client, invite.code).status_code == 303
    other = app.test_client()
    response = enrol(other, invite.code, email="second@example.org")
    assert response.status_code == 422
    assert INVALID_CODE in response.get_data(as_text=True)
    assert db.exec(select(User).where(User.email == "second@example.org")).first() is None
