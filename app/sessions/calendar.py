"""A personal calendar feed (.ics) of group meetings and medicine sessions, behind a secret
address the participant can revoke."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session, select, update

from app import access, program
from app.crypto import token_hash
from app.models import CalendarFeed, Cohort, MedicineSession, User, utcnow

SESSION_HOURS = 4


def create_feed(db: Session, user: User) -> str:
    """A new secret address; any older one stops working."""
    revoke(db, user)
    token = secrets.token_urlsafe(24)
    db.add(CalendarFeed(user_id=user.id, token_hash=token_hash(token)))
    db.commit()
    return token


def revoke(db: Session, user: User) -> None:
    db.exec(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.commit()


def has_feed(db: Session, user: User) -> bool:
    query = select(CalendarFeed.id).where(
        CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
    )
    return db.exec(query).first() is not None


def owner_of(db: Session, token: str) -> User | None:
    query = select(CalendarFeed).where(
        CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
    )
    feed = db.exec(query).first()
    return db.get(User, feed.user_id) if feed else None


def build(db: Session, user: User, titles: dict[str, str]) -> bytes:
    """The feed: weekly meetings for the 12 weeks and each medicine session, in the cohort's
    zone (times carry their TZID, so calendars follow daylight-saving changes)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Tend//Calendar//EN")
    calendar.add("version", "2.0")
    membership = access.participant_membership(db, user)
    if membership is None:
        return calendar.to_ical()
    cohort = db.get(Cohort, membership.cohort_id)
    calendar.add("x-wr-calname", titles["calendar"])
    stamp = utcnow()
    if cohort.meeting_weekday is not None and cohort.meeting_time:
        hour, minute = (int(part) for part in cohort.meeting_time.split(":"))
        first = cohort.start_date + timedelta(
            days=(cohort.meeting_weekday - cohort.start_date.weekday()) % 7
        )
        for week in range(cohort.weeks):
            day = first + timedelta(days=7 * week)
            starts = program.session_start(cohort, datetime.combine(day, time(hour, minute)))
            event = Event()
            event.add("uid", f"tend-meeting-{cohort.id}-{week + 1}@tend")
            event.add("dtstamp", stamp)
            event.add("summary", titles["meeting"])
            event.add("dtstart", starts)
            event.add("dtend", starts + timedelta(hours=2))
            if cohort.meeting_place:
                event.add("location", cohort.meeting_place)
            calendar.add_component(event)
    sessions = db.exec(select(MedicineSession).where(MedicineSession.cohort_id == cohort.id))
    for session in sessions:
        starts = program.session_start(cohort, session.starts_local)
        event = Event()
        event.add("uid", f"tend-session-{session.id}@tend")
        event.add("dtstamp", stamp)
        event.add("summary", titles["session"] % {"number": session.number})
        event.add("dtstart", starts)
        event.add("dtend", starts + timedelta(hours=SESSION_HOURS))
        if session.place:
            event.add("location", session.place)
        calendar.add_component(event)
    return calendar.to_ical()
