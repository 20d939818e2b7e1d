"""A participant's place in their cohort is asked for many times in one request (the time
zone, the page, what is due); the database answers once per session."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app import access


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
