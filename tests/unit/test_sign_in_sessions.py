"""Server-side sign-in sessions: their lifetimes, measured from a given moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth.services import (
    SessionPolicy,
    end_all_sessions,
    end_session,
    load_session,
    start_session,
)
from app.models import utcnow

POLICY = SessionPolicy(
    staff_idle=timedelta(minutes=30),
    participant_idle=timedelta(hours=12),
    absolute=timedelta(days=14),
)


def test_a_session_loads_the_person_it_belongs_to(db, world):
    token = start_session(db, world.participant, POLICY)
    user, signin = load_session(db, token, POLICY)
    assert user.id == world.participant.id
    assert user.get_id() == token


def test_an_unknown_token_loads_nobody(db, world):
    start_session(db, world.participant, POLICY)
    assert load_session(db, "not-a-real-token", POLICY) is None


def test_a_session_ends_at_its_absolute_lifetime_however_active(db, world):
    token = start_session(db, world.participant, POLICY)
    start = utcnow()
    for hours in range(11, 14 * 24, 11):  # a visit every 11 hours: never idle for 12
        assert load_session(db, token, POLICY, start + timedelta(hours=hours)) is not None
    assert load_session(db, token, POLICY, start + timedelta(days=14, minutes=-1)) is not None
    assert load_session(db, token, POLICY, start + timedelta(days=14, seconds=1)) is None


@pytest.mark.parametrize(("person", "limit"), [("medical", 30), ("participant", 12 * 60)])
def test_an_idle_session_ends_and_stays_ended(db, world, person, limit):
    token = start_session(db, getattr(world, person), POLICY)
    later = utcnow() + timedelta(minutes=limit + 1)
    assert load_session(db, token, POLICY, later) is None
    assert load_session(db, token, POLICY) is None  # revoked, not merely skipped


def test_ending_one_session_leaves_the_others(db, world):
    laptop = start_session(db, world.participant, POLICY)
    phone = start_session(db, world.participant, POLICY)
    end_session(db, laptop)
    assert load_session(db, laptop, POLICY) is None
    assert load_session(db, phone, POLICY) is not None


def test_ending_all_sessions_can_keep_the_current_device(db, world):
    laptop = start_session(db, world.participant, POLICY)
    phone = start_session(db, world.participant, POLICY)
    end_all_sessions(db, world.participant, keep_token=phone)
    assert load_session(db, laptop, POLICY) is None
    assert load_session(db, phone, POLICY) is not None


def test_a_deactivated_person_is_signed_out_at_once(db, world):
    token = start_session(db, world.participant, POLICY)
    world.participant.active = False
    db.add(world.participant)
    db.commit()
    assert load_session(db, token, POLICY) is None
