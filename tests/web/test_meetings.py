"""Group meetings: the large group and each small group, their exceptions, where they appear
(home, timeline, the calendar feed, read back by an independent strict parser) and attendance."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from sqlmodel import select

from app.meetings import services
from app.models import Attendance, AuditEvent, Meeting, MeetingChange
from tests.conftest import post, sign_in

ZONE = ZoneInfo("America/Vancouver")
FEED = re.compile(r"http://localhost/calendar/([A-Za-z0-9_-]+)\.ics")


def signed_in(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def meetings_url(world) -> str:
    return f"/team/cohorts/{world.cohort.id}/meetings"


def add_meeting(db, world, *, group=None, weekday=1, starts_at="18:30", minutes=120, **extra):
    first = world.cohort.start_date
    meeting = Meeting(
        cohort_id=world.cohort.id,
        small_group_id=group.id if group else None,
        weekday=weekday,
        starts_at=starts_at,
        minutes=minutes,
        first_day=extra.pop("first_day", first),
        last_day=extra.pop("last_day", first + timedelta(days=83)),
        **extra,
    )
    db.add(meeting)
    db.commit()
    return meeting


def feed_text(app, participant) -> str:
    client = signed_in(app, participant)
    [token] = FEED.findall(page_of(post(client, "/calendar", {"action": "create"})))
    response = app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---- setting meetings ------------------------------------------------------------------------


def test_a_facilitator_adds_the_large_group_and_a_small_groups_meeting(app, db, world):
    client = signed_in(app, world.facilitator)
    large = {
        "weekday": "1",
        "starts_at": "18:30",
        "minutes": "120",
        "video_url": "https://video.example.org/circle",
    }
    small = {
        "small_group": str(world.cedar.id),
        "weekday": "3",
        "starts_at": "17:00",
        "minutes": "90",
        "place": "Room 4",
    }
    assert post(client, meetings_url(world), large).status_code == 303
    assert post(client, meetings_url(world), small).status_code == 303
    made = services.meetings_of(db, world.cohort.id)
    assert [(m.small_group_id, m.weekday, m.starts_at, m.minutes) for m in made] == [
        (None, 1, "18:30", 120),
        (world.cedar.id, 3, "17:00", 90),
    ]
    # Without dates, a meeting runs for the program's 12 weeks.
    assert made[0].first_day == world.cohort.start_date
    assert made[0].last_day == world.cohort.start_date + timedelta(days=83)
    page = page_of(client.get(meetings_url(world)))
    assert "Every Tuesday at 6:30\u202fPM, 120 minutes" in page
    assert "Small group: Cedar" in page and "Room 4" in page
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.action == "meeting_saved")).all()
    assert len(actions) == 2


def test_a_meeting_typed_wrong_is_refused_kindly_with_everything_kept(app, db, world):
    client = signed_in(app, world.facilitator)
    typed = {
        "weekday": "9",
        "starts_at": "25:99",
        "minutes": "5",
        "place": "Room 4",
        "video_url": "http://plain.example.org",
        "first_day": "2026-05-01",
        "last_day": "2026-04-01",
    }
    response = post(client, meetings_url(world), typed)
    assert response.status_code == 422
    page = page_of(response)
    for message in (
        "Please choose a day of the week.",
        "Please enter a time like 18:30.",
        "between 15 and 600 minutes",
        "starts with https://",
        "The last day comes after the first.",
    ):
        assert message in page
    assert 'value="Room 4"' in page and 'value="25:99"' in page and 'value="2026-05-01"' in page
    assert services.meetings_of(db, world.cohort.id) == []


def test_the_medical_team_reads_the_meetings_but_only_facilitators_change_them(app, db, world):
    add_meeting(db, world)
    client = signed_in(app, world.medical)
    page = page_of(client.get(meetings_url(world)))
    assert "Every Tuesday at 6:30\u202fPM" in page and "Add a weekly meeting" not in page
    assert post(client, meetings_url(world), {"weekday": "2"}).status_code == 403
    other = signed_in(app, world.other_facilitator)
    assert other.get(meetings_url(world)).status_code == 403


def test_a_week_is_cancelled_and_another_moved_and_undone(app, db, world):
    meeting = add_meeting(db, world, weekday=1)
    days = services.regular_days(meeting)
    client = signed_in(app, world.facilitator)
    url = f"{meetings_url(world)}/{meeting.id}/changes"
    assert post(client, url, {"on_day": days[4].isoformat(), "kind": "cancel"}).status_code == 303
    moved = {
        "on_day": days[5].isoformat(),
        "kind": "move",
        "new_day": (days[5] + timedelta(days=1)).isoformat(),
        "new_time": "19:00",
        "new_place": "Hall B",
    }
    assert post(client, url, moved).status_code == 303
    found = services.occurrences(
        world.cohort, meeting, services.changes_of(db, [meeting])[meeting.id]
    )
    assert [o.on_day for o in found] == days
    assert found[4].cancelled and not found[4].moved
    assert found[5].moved and found[5].starts == datetime.combine(
        days[5] + timedelta(days=1), time(19, 0), ZONE
    )
    assert found[5].place == "Hall B"
    # A day the meeting is not held on is refused, and nothing typed is lost.
    wrong = {
        "on_day": (days[0] + timedelta(days=1)).isoformat(),
        "kind": "move",
        "new_day": "",
        "new_time": "19:00",
        "new_place": "Kept",
    }
    response = post(client, url, wrong)
    assert response.status_code == 422
    assert "Please choose a day this meeting is held on." in page_of(response)
    assert 'value="Kept"' in page_of(response)
    [cancel] = db.exec(select(MeetingChange).where(MeetingChange.on_day == days[4])).all()
    undo = f"{meetings_url(world)}/{meeting.id}/changes/{cancel.id}/remove"
    assert post(client, undo).status_code == 303
    assert db.exec(select(MeetingChange).where(MeetingChange.on_day == days[4])).first() is None


# ---- where they appear -----------------------------------------------------------------------


def test_home_shows_the_large_group_and_only_the_persons_own_small_group(app, db, world):
    add_meeting(db, world, weekday=1, video_url="https://video.example.org/circle")
    add_meeting(db, world, group=world.cedar, weekday=3, starts_at="17:00", place="Room 4")
    add_meeting(db, world, group=world.willow, weekday=4, starts_at="19:00", place="Room 9")
    page = page_of(signed_in(app, world.participant).get("/"))
    assert "Your group meetings" in page
    assert "Large group" in page and "Small group: Cedar" in page and "Room 4" in page
    assert "Join by video" in page
    assert "Willow" not in page and "Room 9" not in page
    other = page_of(signed_in(app, world.other_group).get("/"))
    assert "Small group: Willow" in other and "Cedar" not in other


def test_home_says_when_this_weeks_meeting_is_cancelled(app, db, world):
    now = datetime.now(UTC).astimezone(ZONE)
    tomorrow = (now + timedelta(days=1)).date()
    meeting = add_meeting(db, world, weekday=tomorrow.weekday())
    db.add(MeetingChange(meeting_id=meeting.id, on_day=tomorrow))
    db.commit()
    page = page_of(signed_in(app, world.participant).get("/"))
    assert "Cancelled" in page
    assert "<s>" in page  # the cancelled time is struck through, and the next one follows


def test_the_timeline_shows_the_meetings(app, db, world):
    add_meeting(db, world, weekday=1, place="Main hall")
    page = page_of(signed_in(app, world.medical).get(f"/team/cohorts/{world.cohort.id}/timeline"))
    assert "Group meetings" in page and "Main hall" in page


def test_the_feed_validates_strictly_with_rrule_exdate_moved_week_and_vtimezone(app, db, world):
    meeting = add_meeting(
        db, world, weekday=1, place="Main hall", video_url="https://video.example.org/circle"
    )
    add_meeting(db, world, group=world.cedar, weekday=3, starts_at="17:00", minutes=90)
    add_meeting(db, world, group=world.willow, weekday=4, starts_at="19:00")
    days = services.regular_days(meeting)
    db.add(MeetingChange(meeting_id=meeting.id, on_day=days[2]))
    db.add(
        MeetingChange(
            meeting_id=meeting.id,
            on_day=days[3],
            moved_to=datetime.combine(days[3] + timedelta(days=2), time(10, 0)),
            place="Park",
        )
    )
    db.commit()
    body = feed_text(app, world.participant)

    # RFC 5545: every TZID used has its VTIMEZONE (icalendar's own check, then the text).
    parsed = Calendar.from_ical(body)
    assert parsed.get_missing_tzids() == set()
    assert "BEGIN:VTIMEZONE" in body and "TZID:America/Vancouver" in body
    assert "RRULE:FREQ=WEEKLY;UNTIL=" in body and "EXDATE;TZID=America/Vancouver:" in body
    assert "RECURRENCE-ID;TZID=America/Vancouver:" in body

    # An independent parser, strict about the grammar, expands the weeks.
    strict = IcsCalendarStream.calendar_from_ics(body)
    assert [tz.tz_id for tz in strict.timezones] == ["America/Vancouver"]
    expanded = list(strict.timeline_tz(ZONE))
    large = [e for e in expanded if e.summary == "Large group meeting"]
    small = [e for e in expanded if e.summary.startswith("Small group meeting")]
    assert {e.summary for e in small} == {"Small group meeting (Cedar)"}
    assert len(small) == 12
    starts = [e.dtstart for e in large]
    assert len(large) == 11  # 12 weeks, one cancelled
    assert datetime.combine(days[2], time(18, 30), ZONE) not in starts
    assert datetime.combine(days[3], time(18, 30), ZONE) not in starts
    moved = datetime.combine(days[3] + timedelta(days=2), time(10, 0), ZONE)
    assert moved in starts
    [moved_event] = [e for e in large if e.dtstart == moved]
    assert moved_event.location == "Park"
    # Wall-clock 18:30 every week, on the meeting's weekday.
    regular = [e.dtstart for e in large if e.dtstart != moved]
    assert {d.astimezone(ZONE).time() for d in regular} == {time(18, 30)}
    assert all(d.astimezone(ZONE).weekday() == 1 for d in regular)


def test_the_feed_across_a_daylight_saving_change_keeps_the_wall_clock(app, db, world):
    # Toronto falls back on 2026-11-01: the same 18:30 is UTC-4 before and UTC-5 after, and
    # the feed's VTIMEZONE is what tells a calendar so.
    toronto = ZoneInfo("America/Toronto")
    meeting = Meeting(
        cohort_id=world.other_cohort.id,
        weekday=1,
        starts_at="18:30",
        minutes=120,
        first_day=date(2026, 10, 13),
        last_day=date(2026, 11, 17),
    )
    db.add(meeting)
    db.commit()
    body = feed_text(app, world.people["other_cohort"])
    zone_part = body[body.index("BEGIN:VTIMEZONE") : body.index("END:VTIMEZONE")]
    assert "20261101T020000" in zone_part  # the fall-back itself
    strict = IcsCalendarStream.calendar_from_ics(body)
    assert [tz.tz_id for tz in strict.timezones] == ["America/Toronto"]
    found = [e.dtstart for e in strict.timeline_tz(toronto) if e.summary == "Large group meeting"]
    assert [d.date() for d in found] == services.regular_days(meeting)
    offsets = [d.utcoffset() for d in found]
    assert offsets == [timedelta(hours=-4)] * 3 + [timedelta(hours=-5)] * 3
    assert {d.astimezone(toronto).time() for d in found} == {time(18, 30)}


# ---- attendance -------------------------------------------------------------------------------


@pytest.fixture
def held_yesterday(db, world):
    """Cedar's small-group meeting, held yesterday on the cohort's clock."""
    yesterday = (datetime.now(UTC).astimezone(ZONE) - timedelta(days=1)).date()
    return add_meeting(
        db, world, group=world.cedar, weekday=yesterday.weekday(), starts_at="10:00", minutes=90
    ), yesterday


def attendance_url(world, meeting, day) -> str:
    return f"/team/cohorts/{world.cohort.id}/meetings/{meeting.id}/attendance/{day.isoformat()}"


def test_a_facilitator_takes_attendance_everyone_present_unless_tapped(
    app, db, world, held_yesterday
):
    meeting, day = held_yesterday
    client = signed_in(app, world.facilitator)
    listing = page_of(client.get(f"/team/cohorts/{world.cohort.id}/attendance"))
    assert "Small group: Cedar" in listing and "Not taken yet" in listing
    page = page_of(client.get(attendance_url(world, meeting, day)))
    # Cedar's two participants, each present by default; nobody from Willow.
    assert "Participant" in page and "Same Group" in page and "Other Group" not in page
    assert page.count('value="present" checked') == 2
    response = post(
        client, attendance_url(world, meeting, day), {f"person-{world.same_group.id}": "excused"}
    )
    assert response.status_code == 303
    assert "Attendance is saved for 2 people." in page_of(client.get(response.location))
    rows = {r.user_id: r.status for r in db.exec(select(Attendance))}
    assert rows == {world.participant.id: "present", world.same_group.id: "excused"}
    # Correcting it later changes only what changed.
    post(client, attendance_url(world, meeting, day), {f"person-{world.participant.id}": "absent"})
    db.expire_all()
    rows = {r.user_id: r.status for r in db.exec(select(Attendance))}
    assert rows == {world.participant.id: "absent", world.same_group.id: "present"}
    audited = db.exec(select(AuditEvent.action).where(AuditEvent.action == "attendance_taken"))
    assert len(audited.all()) == 2


def test_attendance_cannot_be_taken_for_a_meeting_not_yet_started(app, db, world):
    later = (datetime.now(UTC).astimezone(ZONE) + timedelta(days=2)).date()
    meeting = add_meeting(db, world, weekday=later.weekday())
    client = signed_in(app, world.facilitator)
    response = post(client, attendance_url(world, meeting, later))
    assert response.status_code == 303
    assert db.exec(select(Attendance)).first() is None
    not_held = later + timedelta(days=1)
    assert client.get(attendance_url(world, meeting, not_held)).status_code == 404


def test_participants_see_their_own_attendance_without_judgement_or_streaks(
    app, db, world, held_yesterday
):
    meeting, day = held_yesterday
    post(
        signed_in(app, world.facilitator),
        attendance_url(world, meeting, day),
        {f"person-{world.same_group.id}": "absent"},
    )
    mine = page_of(signed_in(app, world.participant).get("/meetings"))
    assert "You were there" in mine and "Not there this time" not in mine
    assert "Same Group" not in mine
    theirs = page_of(signed_in(app, world.same_group).get("/meetings"))
    assert "Not there this time" in theirs and "You were there" not in theirs
    for word in ("streak", "in a row", "missed", "%"):
        assert word not in theirs.lower()


def test_a_facilitator_of_another_cohort_cannot_take_this_cohorts_attendance(
    app, db, world, held_yesterday
):
    meeting, day = held_yesterday
    client = signed_in(app, world.other_facilitator)
    assert client.get(attendance_url(world, meeting, day)).status_code == 403
    assert post(client, attendance_url(world, meeting, day)).status_code == 403
    assert db.exec(select(Attendance)).first() is None


def test_the_meetings_pages_in_french(app, db, world, held_yesterday):
    meeting, day = held_yesterday
    client = signed_in(app, world.facilitator)
    post(client, "/language", {"locale": "fr_CA"})
    page = page_of(client.get(attendance_url(world, meeting, day)))
    assert '<html lang="fr-CA"' in page
    assert "Présence" in page and "Absence motivée" in page
    participant = signed_in(app, world.participant)
    post(participant, "/language", {"locale": "fr_CA"})
    assert "Vos rencontres de groupe" in page_of(participant.get("/"))
