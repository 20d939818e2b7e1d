"""Participants' reminders on a frozen clock: off until chosen, each type when it comes due,
never in quiet hours (21:00–08:00 on the cohort's clock by default, or the person's own),
at most one a day unless they asked for more, never twice for the same thing, cancelled
when it no longer applies, and worded the same gentle way for every type."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app import content
from app.models import (
    ChecklistSubmission,
    Delivery,
    MedicineSession,
    Membership,
    Notification,
    utcnow,
)
from app.notifications import delivery, messages, reminders
from tests.outside import SmtpServer

VANCOUVER = ZoneInfo("America/Vancouver")


@pytest.fixture
def library(app):
    with app.app_context():
        yield content.library()


def at(world, days_into_week: int, hour: int, minute: int = 0, week: int = 3) -> datetime:
    """A moment on the cohort's clock: the given day of a program week (the world is in week 3)."""
    day = world.cohort.start_date + timedelta(days=7 * (week - 1) + days_into_week)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VANCOUVER)


def choose(db, world, **values):
    values = {"by_email": True, **values}
    return reminders.save_choice(db, world.participant, **values)


def rows(db, world) -> list[Notification]:
    return list(
        db.exec(
            select(Notification)
            .where(Notification.user_id == world.participant.id)
            .order_by(Notification.id)
        )
    )


def keys(db, world) -> list[str]:
    return [row.dedup_key.split(":")[2] for row in rows(db, world)]


def test_nothing_is_sent_to_anyone_who_never_chose(db, world, library):
    assert reminders.schedule(db, library, at(world, 0, 12)) == 0
    assert rows(db, world) == []
    assert not reminders.wants_any(reminders.choice_for(db, world.participant))


def test_this_weeks_practice_comes_at_ten_on_the_weeks_first_day(db, world, library):
    choose(db, world, weekly_practice=True)
    assert reminders.schedule(db, library, at(world, 0, 9, 59)) == 0
    assert reminders.schedule(db, library, at(world, 0, 10, 1)) == 1
    assert keys(db, world) == ["week-3"]
    # Never twice for the same week, however often the worker looks.
    assert reminders.schedule(db, library, at(world, 1, 12)) == 0
    assert reminders.schedule(db, library, at(world, 7, 10, 1)) == 1
    assert keys(db, world) == ["week-3", "week-4"]


def test_quiet_hours_hold_a_reminder_until_they_end(db, world, library):
    choose(db, world, weekly_practice=True, quiet_from="09:00", quiet_until="13:00")
    assert reminders.schedule(db, library, at(world, 0, 10, 1)) == 0
    assert reminders.schedule(db, library, at(world, 0, 12, 59)) == 0
    assert reminders.schedule(db, library, at(world, 0, 13, 0)) == 1


def test_the_default_quiet_hours_are_nine_at_night_to_eight_in_the_morning(db, world, library):
    choice = reminders.choice_for(db, world.participant)
    assert (choice.quiet_from, choice.quiet_until) == ("21:00", "08:00")
    session = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=at(world, 3, 9).replace(tzinfo=None)
    )
    db.add(session)
    db.commit()
    choose(db, world, evening_before=True)
    # 19:00 the evening before: sent. Had it been missed, not at 23:00, but at 08:00.
    assert reminders.schedule(db, library, at(world, 2, 18, 59)) == 0
    assert reminders.schedule(db, library, at(world, 2, 19, 0)) == 1
    assert keys(db, world) == [f"evening-{session.id}"]


def test_an_evening_reminder_missed_at_night_waits_for_the_morning(db, world, library):
    session = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=at(world, 3, 13).replace(tzinfo=None)
    )
    db.add(session)
    db.commit()
    choose(db, world, evening_before=True)
    assert reminders.schedule(db, library, at(world, 2, 23, 0)) == 0
    assert reminders.schedule(db, library, at(world, 3, 7, 59)) == 0
    assert reminders.schedule(db, library, at(world, 3, 8, 0)) == 1


def test_no_quiet_hours_when_the_person_chose_none(db, world, library):
    choose(db, world, weekly_practice=True, quiet_from="", quiet_until="")
    assert (
        reminders.in_quiet_hours(
            reminders.choice_for(db, world.participant), at(world, 0, 23).time()
        )
        is False
    )


def test_one_reminder_a_day_unless_the_person_asked_for_more(db, world, library):
    session = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=at(world, 1, 12).replace(tzinfo=None)
    )
    db.add(session)
    db.commit()
    # The checklist (open 48 h before) and this week's practice, both due on day 0.
    choose(db, world, weekly_practice=True, checklist_open=True)
    assert reminders.schedule(db, library, at(world, 0, 14)) == 1
    assert reminders.schedule(db, library, at(world, 0, 16)) == 0
    assert len(keys(db, world)) == 1
    # Tomorrow, what still applies and was not reminded of comes.
    assert reminders.schedule(db, library, at(world, 1, 8, 30)) == 1
    assert sorted(keys(db, world)) == sorted([f"checklist-{session.id}", "week-3"])


def test_several_a_day_when_the_person_asked(db, world, library):
    session = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=at(world, 1, 12).replace(tzinfo=None)
    )
    db.add(session)
    db.commit()
    choose(db, world, weekly_practice=True, checklist_open=True, several_a_day=True)
    assert reminders.schedule(db, library, at(world, 0, 14)) == 2


def test_a_submitted_checklist_is_not_reminded_of(db, world, library):
    session = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=at(world, 1, 12).replace(tzinfo=None)
    )
    db.add(session)
    db.commit()
    db.add(
        ChecklistSubmission(
            user_id=world.participant.id,
            session_id=session.id,
            checklist_id="pre-session",
            answers="{}",
            state="ready",
            submitted_at=utcnow(),
        )
    )
    db.commit()
    choose(db, world, checklist_open=True)
    assert reminders.schedule(db, library, at(world, 0, 14)) == 0


def test_a_check_in_due_is_reminded_of_once(db, world, library):
    choose(db, world, check_in_due=True)
    # The intake opened when they joined: early on day 2 of week 3 (the world's "today"), so
    # the noon below comes after it whatever time of day the test runs.
    membership = db.exec(select(Membership).where(Membership.user_id == world.participant.id)).one()
    membership.joined_at = at(world, 2, 7)
    db.add(membership)
    db.commit()
    assert reminders.schedule(db, library, at(world, 2, 12)) == 1
    assert keys(db, world) == ["checkin-intake"]
    assert reminders.schedule(db, library, at(world, 4, 12)) == 0


def test_email_and_push_are_each_one_message(db, world, library):
    choose(db, world, weekly_practice=True, by_email=True, by_push=True)
    # No device yet: push has nowhere to go, so only the email.
    assert reminders.schedule(db, library, at(world, 0, 12)) == 1
    assert [row.channel for row in rows(db, world)] == ["email"]


def test_every_reminder_says_the_same_gentle_thing_in_the_persons_language(app):
    with app.app_context():
        english = messages.render("reminder", {"link": "L", "account_link": "A"}, "en")
        french = messages.render("reminder", {"link": "L", "account_link": "A"}, "fr_CA")
    assert english.subject == "Tend: something is waiting for you"
    assert english.push_body == "Something is waiting for you, whenever you are ready."
    assert french.subject == "Tend\u202f: quelque chose vous attend"
    for message in (english, french):
        for word in ("streak", "miss", "late", "overdue", "série", "retard"):
            assert word not in message.text.lower()


def test_a_reminder_turned_off_before_it_leaves_is_cancelled(app, db, world, library):
    choose(db, world, weekly_practice=True, quiet_from="", quiet_until="")
    assert reminders.schedule(db, library, utcnow()) == 1
    reminders.save_choice(db, world.participant, weekly_practice=False)
    with app.app_context():
        tally = delivery.run_once(app)
    assert (tally.sent, tally.cancelled) == (0, 1)
    assert {row.status for row in rows(db, world)} == {Delivery.cancelled}


def test_a_reminder_email_reaches_the_participant(app, db, world, library):
    with SmtpServer() as smtp:
        settings = app.config["TEND"]
        app.config["TEND"] = dataclasses.replace(
            settings, alerts=dataclasses.replace(settings.alerts, smtp_url=smtp.url)
        )
        choose(db, world, check_in_due=True, quiet_from="", quiet_until="")
        assert reminders.schedule(db, library, utcnow()) == 1
        with app.app_context():
            assert delivery.run_once(app).sent == 1
        [message] = smtp.inbox.wait_for(1, timeout=10)
    assert message["To"] == world.participant.email
    assert message["Subject"] == "Tend: something is waiting for you"
    assert "http://127.0.0.1:5000/check-ins/" in message.get_body(("plain",)).get_content()
