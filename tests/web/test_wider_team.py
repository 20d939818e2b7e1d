"""The whole team: therapists, somatic practitioners and knowledge keepers are invited into a
cohort by its facilitators (administrators into any), enrol with their own role, and find on
their home only what their work needs. The access matrix holds their row for every route."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.models import Attendance, Invite, Membership, Role, SafetyFlag, User
from tests.conftest import post, sign_in

PASSWORD = "willow river morning"


def invite_as(client, world, role: str, cohort=None):
    return post(
        client,
        f"/team/cohorts/{(cohort or world.cohort).id}/invites",
        {"count": "1", "small_group": "0", "valid_days": "14", "label": "", "role": role},
    )


def enrol_with(client, db, code: str, email: str) -> User:
    response = post(
        client,
        "/enrol",
        {"code": code, "display_name": "Ren Team", "email": email, "password": PASSWORD},
    )
    assert response.status_code == 303
    return db.exec(select(User).where(User.email == email)).one()


@pytest.mark.parametrize("role", ["therapist", "somatic", "knowledge_keeper", "participant"])
def test_a_facilitator_invites_each_wider_team_role_into_their_cohort(client, db, world, role):
    sign_in(client, world.facilitator)
    form = html.unescape(client.get(f"/team/cohorts/{world.cohort.id}/invites").get_data(True))
    for label in ("Therapist", "Somatic practitioner", "Knowledge keeper or Elder"):
        assert label in form
    assert invite_as(client, world, role).status_code == 303
    [made] = db.exec(select(Invite).where(Invite.cohort_id == world.cohort.id))
    assert made.role == role


@pytest.mark.parametrize("role", ["facilitator", "medical", "admin"])
def test_a_facilitator_cannot_invite_facilitators_the_medical_team_or_admins(
    client, db, world, role
):
    sign_in(client, world.facilitator)
    assert invite_as(client, world, role).status_code == 422
    assert db.exec(select(Invite)).all() == []


def test_a_facilitator_cannot_invite_into_another_cohort(client, db, world):
    sign_in(client, world.facilitator)
    assert invite_as(client, world, "therapist", world.other_cohort).status_code == 403
    assert db.exec(select(Invite)).all() == []


@pytest.mark.parametrize(
    "role", ["therapist", "somatic", "knowledge_keeper", "facilitator", "medical"]
)
def test_an_administrator_invites_every_team_role_into_any_cohort(client, db, world, role):
    sign_in(client, world.admin)
    assert invite_as(client, world, role, world.other_cohort).status_code == 303
    [made] = db.exec(select(Invite))
    assert (made.cohort_id, made.role) == (world.other_cohort.id, role)


def test_an_invited_therapist_enrols_and_works_as_a_facilitator(app, db, world):
    facilitator = app.test_client()
    sign_in(facilitator, world.facilitator)
    invite_as(facilitator, world, "therapist")
    [made] = db.exec(select(Invite))
    newcomer = app.test_client()
    user = enrol_with(newcomer, db, made.code, "ren@example.org")
    membership = db.exec(select(Membership).where(Membership.user_id == user.id)).one()
    # The cohort remembers the therapist; the account acts as a facilitator's.
    assert (membership.role, user.role) == (Role.therapist, Role.facilitator)
    assert newcomer.get(f"/team/cohorts/{world.cohort.id}").status_code == 200
    assert newcomer.get(f"/team/cohorts/{world.other_cohort.id}").status_code == 403


@pytest.mark.parametrize("role", ["somatic", "knowledge_keeper"])
def test_an_invited_practitioner_finds_their_cohorts_meetings_attendance_and_program(
    app, db, world, role
):
    facilitator = app.test_client()
    sign_in(facilitator, world.facilitator)
    invite_as(facilitator, world, role)
    [made] = db.exec(select(Invite))
    newcomer = app.test_client()
    user = enrol_with(newcomer, db, made.code, "ren@example.org")
    assert user.role == role
    home = html.unescape(newcomer.get("/").get_data(as_text=True))
    assert world.cohort.name in home and world.other_cohort.name not in home
    assert f"/team/cohorts/{world.cohort.id}/meetings" in home
    assert f"/team/cohorts/{world.cohort.id}/content" in home
    # Nothing clinical: no flags, no reflections, no board, no outcomes.
    for clinical in ("/flags", "/reflections", "/outcomes", "/board", "/exports"):
        assert clinical not in home
    assert newcomer.get(f"/team/cohorts/{world.cohort.id}/content").status_code == 200
    assert newcomer.get(f"/team/cohorts/{world.cohort.id}/content/week/3").status_code == 200
    assert newcomer.get(f"/team/cohorts/{world.other_cohort.id}/content").status_code == 403
    assert newcomer.get(f"/team/cohorts/{world.cohort.id}/flags").status_code == 403


def test_a_knowledge_keeper_sees_only_their_cohorts_bundle_and_cannot_change_it(client, db, world):
    keeper = world.add_person("keeper", Role.knowledge_keeper, world.cohort)
    sign_in(client, keeper)
    page = html.unescape(client.get(f"/team/cohorts/{world.cohort.id}/content").get_data(True))
    assert "Tend core curriculum" in page
    shipped = Path("app/content/bundles")
    others = [p.name for p in shipped.iterdir() if p.is_dir() and p.name != "core"]
    for other in others:
        assert f'id="bundle-{other}"' not in page
    assert 'name="bundle_id"' not in page  # reading only
    response = post(client, f"/team/cohorts/{world.cohort.id}/content", {"bundle_id": "core"})
    assert response.status_code == 403


# --- Attendance by the wider team. -----------------------------------------------------------


@pytest.fixture
def held_yesterday(db, world):
    from tests.web.test_meetings import add_meeting

    yesterday = (
        datetime.now(UTC).astimezone(ZoneInfo(world.cohort.timezone)) - timedelta(1)
    ).date()
    meeting = add_meeting(
        db, world, group=world.cedar, weekday=yesterday.weekday(), starts_at="10:00", minutes=90
    )
    flag = SafetyFlag(
        user_id=world.same_group.id,
        cohort_id=world.cohort.id,
        source="questionnaire",
        level="urgent",
        instrument_id="phq-9",
        rule_id="item-9",
    )
    db.add(flag)
    db.commit()
    return f"/team/cohorts/{world.cohort.id}/meetings/{meeting.id}/attendance/{yesterday}"


def test_a_somatic_practitioner_takes_attendance_and_sees_only_needs_attention(
    client, db, world, held_yesterday
):
    somatic = world.add_person("somatic", Role.somatic, world.cohort)
    sign_in(client, somatic)
    page = html.unescape(client.get(held_yesterday).get_data(as_text=True))
    assert "Needs attention" in page
    assert "phq-9" not in page.lower() and "item-9" not in page and "urgent" not in page.lower()
    assert post(client, held_yesterday, {}).status_code == 303
    assert len(db.exec(select(Attendance)).all()) == 2


def test_a_knowledge_keeper_takes_attendance_only_where_the_cohort_allows_and_sees_no_flags(
    client, db, world, held_yesterday
):
    keeper = world.add_person("keeper", Role.knowledge_keeper, world.cohort)
    sign_in(client, keeper)
    assert client.get(held_yesterday).status_code == 403
    assert post(client, held_yesterday, {}).status_code == 403
    world.cohort.keepers_take_attendance = True
    db.add(world.cohort)
    db.commit()
    page = html.unescape(client.get(held_yesterday).get_data(as_text=True))
    assert "Same Group" in page and "Needs attention" not in page
    assert post(client, held_yesterday, {}).status_code == 303
