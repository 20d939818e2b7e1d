"""A personal calendar feed (.ics) of group meetings and medicine sessions, behind a secret
address the participant can revoke."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session, select, update

from app import access, program
from app.crypto import token_hash
from app.meetings import services as meeting_services
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
    """The feed: the person's weekly meetings (the large group's and their small group's) as
    repeating events with their exceptions, and each medicine session, in the cohort's zone.

    Times carry their TZID and the feed a VTIMEZONE for each, as RFC 5545 requires, so
    calendars follow daylight-saving changes. A cancelled week is an EXDATE; a moved one is
    an instance of its own with the RECURRENCE-ID of the week it replaces.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Tend//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    membership = access.participant_membership(db, user)
    if membership is None:
        return calendar.to_ical()
    cohort = db.get(Cohort, membership.cohort_id)
    calendar.add("x-wr-calname", titles["calendar"])
    stamp = utcnow()
    groups = {g.id: g.name for g in access.small_groups(db, cohort.id)}
    meetings = meeting_services.participant_meetings(db, membership)
    changes = meeting_services.changes_of(db, meetings)
    for meeting in meetings:
        found = meeting_services.occurrences(cohort, meeting, changes[meeting.id])
        if not found:
            continue
        if meeting.small_group_id is None:
            summary = titles["large_group"]
        else:
            summary = titles["small_group"] % {"group": groups.get(meeting.small_group_id, "")}
        uid = f"tend-meeting-{meeting.id}@tend"
        first, last = found[0], found[-1]
        regular_first = _regular_start(cohort, meeting, first.on_day)
        series = _meeting_event(uid, stamp, summary, meeting, regular_first, meeting.place)
        until = _regular_start(cohort, meeting, last.on_day).astimezone(UTC)
        series.add("rrule", {"freq": "weekly", "until": until})
        cancelled = [_regular_start(cohort, meeting, o.on_day) for o in found if o.cancelled]
        if cancelled:
            series.add("exdate", cancelled)
        calendar.add_component(series)
        for occurrence in found:
            if occurrence.moved:
                moved = _meeting_event(
                    uid, stamp, summary, meeting, occurrence.starts, occurrence.place
                )
                moved.add("recurrence-id", _regular_start(cohort, meeting, occurrence.on_day))
                calendar.add_component(moved)
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
    # The zone's rules from a year before the program to a year after it cover every event.
    first_day, last_day = meeting_services.program_days(cohort)
    calendar.add_missing_timezones(
        first_date=first_day - timedelta(days=366), last_date=last_day + timedelta(days=366)
    )
    return calendar.to_ical()


def _regular_start(cohort: Cohort, meeting, day) -> datetime:
    hour, minute = (int(part) for part in meeting.starts_at.split(":"))
    return program.session_start(cohort, datetime.combine(day, time(hour, minute)))


def _meeting_event(uid: str, stamp, summary: str, meeting, starts: datetime, place) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=meeting.minutes))
    if place:
        event.add("location", place)
    if meeting.video_url:
        event.add("url", meeting.video_url)
        event.add("description", meeting.video_url)
    return event
