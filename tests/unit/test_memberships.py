"""A person's place in a cohort is asked for many times in one request (the time zone, the
page, what is due; may they open the cohort, do they facilitate this group); the database
answers once per session."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from app import access
from app.models import Membership, Role


@contextmanager
def counted_statements(db):
    statements = []
    connection = db.connection()

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def test_the_membership_is_read_once_per_session(db, world):
    first = access.participant_membership(db, world.participant)
    with counted_statements(db) as statements:
        again = access.participant_membership(db, world.participant)
    assert again is first
    assert statements == []


def test_each_person_gets_their_own_membership(db, world):
    mine = access.participant_membership(db, world.participant)
    theirs = access.participant_membership(db, world.people["other_cohort"])
    assert mine.user_id == world.participant.id
    assert theirs.user_id == world.people["other_cohort"].id
    assert mine.cohort_id != theirs.cohort_id


def test_staff_have_no_participant_membership(db, world):
    assert access.participant_membership(db, world.facilitator) is None
    assert access.participant_membership(db, world.facilitator) is None


def test_a_team_membership_is_read_once_per_session(db, world):
    assert access.is_on_team(db, world.facilitator, world.cohort.id)
    with counted_statements(db) as statements:
        assert access.facilitates_group(db, world.facilitator, world.cohort.id, world.cedar.id)
        assert access.may_manage_cohort(db, world.facilitator, world.cohort.id)
        assert not access.is_on_team(db, world.facilitator, world.other_cohort.id)
        assert not access.is_on_team(db, world.facilitator, world.other_cohort.id)
    assert len(statements) == 1  # the other cohort, once


def test_the_team_lookup_keeps_roles_apart(db, world):
    assert access.is_on_team(db, world.medical, world.cohort.id)
    assert not access.may_manage_cohort(db, world.medical, world.cohort.id)
    assert not access.facilitates_group(db, world.medical, world.cohort.id, world.cedar.id)
    assert not access.is_on_team(db, world.participant, world.cohort.id)


def test_a_membership_added_in_the_session_is_seen(db, world):
    assert not access.facilitates_group(db, world.facilitator, world.other_cohort.id, 1)
    assert access.participant_membership(db, world.facilitator) is None
    late = world.add_person("late_facilitator", Role.facilitator)
    assert not access.is_on_team(db, late, world.cohort.id)
    db.add(Membership(user_id=late.id, cohort_id=world.cohort.id, role=Role.facilitator))
    db.commit()
    assert access.is_on_team(db, late, world.cohort.id)
    assert access.facilitates_group(db, late, world.cohort.id, world.willow.id)


def test_a_staff_page_learns_the_cohort_and_the_membership_in_one_statement(app, db, world):
    with app.test_request_context(), counted_statements(db) as statements:
        cohort = access.cohort_for_team(db, world.facilitator, world.cohort.id)
        assert access.facilitates_group(db, world.facilitator, cohort.id, world.cedar.id)
        assert access.may_manage_cohort(db, world.facilitator, cohort.id)
    assert cohort.id == world.cohort.id
    assert len(statements) == 1


@pytest.mark.parametrize(
    ("person", "cohort", "status"),
    [
        ("other_facilitator", "cohort", 403),
        ("participant", "cohort", 403),
        ("facilitator", "missing", 404),
        ("admin", "missing", 404),
    ],
)
def test_the_one_statement_still_refuses(app, db, world, person, cohort, status):
    cohort_id = 10_000 if cohort == "missing" else world.cohort.id
    with app.test_request_context(), pytest.raises(HTTPException) as refused:
        access.cohort_for_team(db, world.people[person], cohort_id)
    assert refused.value.code == status


def test_an_admin_opens_any_cohort_without_a_membership(app, db, world):
    with app.test_request_context():
        assert access.cohort_for_team(db, world.admin, world.other_cohort.id).id == (
            world.other_cohort.id
        )
    assert access.cohort_membership(db, world.admin, world.other_cohort.id) is None
