"""The cohort's weekly meetings: when each is held, its exceptions, and who was there.

Meetings live on the cohort's wall clock (a weekday and a time in its zone), so a meeting at
18:30 stays at 18:30 across daylight-saving changes. An occurrence is named by the day it
would regularly fall on, even when it was moved, so attendance and exceptions stay attached
to the same week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, delete, select

from app import access, audit, program
from app.models import (
    Attendance,
    Cohort,
    Meeting,
    MeetingChange,
    Membership,
    Role,
    SafetyFlag,
    SmallGroup,
    User,
)

STATUSES = ("present", "absent", "excused")
# An occurrence can be taken attendance for from a little before it starts.
OPENS_BEFORE = timedelta(minutes=30)
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class MeetingProblem(ValueError):
    """A meeting or an exception that cannot be saved as typed; `problems` maps field → key."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(sorted(problems)))
        self.problems = problems


class NotAnOccurrence(LookupError):
    """No meeting is held on that day (not its weekday, outside its weeks, or cancelled)."""


class AttendanceNotOpen(Exception):
    """That occurrence has not started yet."""


@dataclass(frozen=True)
class Occurrence:
    meeting: Meeting
    on_day: date  # the regular day, which names the occurrence
    starts: datetime  # aware, in the cohort's zone
    ends: datetime
    cancelled: bool
    moved: bool
    place: str | None

    @property
    def video_url(self) -> str | None:
        return self.meeting.video_url


@dataclass(frozen=True)
class MeetingForm:
    small_group_id: int | None
    weekday: int
    starts_at: str
    minutes: int
    place: str | None
    video_url: str | None
    first_day: date
    last_day: date


def _clock(value: str) -> time:
    hour, minute = (int(part) for part in value.split(":"))
    return time(hour, minute)


def _parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def program_days(cohort: Cohort) -> tuple[date, date]:
    """The first and last day of the cohort's program weeks."""
    return cohort.start_date, program.week_days(cohort, cohort.weeks)[1]


def parse_meeting(cohort: Cohort, groups: list[SmallGroup], form) -> MeetingForm:
    """Read a meeting from a form; raise MeetingProblem naming each field that is not right."""
    problems = {}
    group_raw = (form.get("small_group") or "").strip()
    group_ids = {str(g.id): g.id for g in groups}
    small_group_id = None
    if group_raw:
        if group_raw not in group_ids:
            problems["small_group"] = "group"
        else:
            small_group_id = group_ids[group_raw]
    weekday_raw = (form.get("weekday") or "").strip()
    weekday = int(weekday_raw) if weekday_raw.isdigit() and int(weekday_raw) < 7 else None
    if weekday is None:
        problems["weekday"] = "weekday"
    starts_at = (form.get("starts_at") or "").strip()
    if not TIME_PATTERN.match(starts_at):
        problems["starts_at"] = "time"
    minutes_raw = (form.get("minutes") or "").strip()
    minutes = int(minutes_raw) if minutes_raw.isdigit() else None
    if minutes is None or not 15 <= minutes <= 600:
        problems["minutes"] = "minutes"
    place = (form.get("place") or "").strip() or None
    if place and len(place) > 200:
        problems["place"] = "too_long"
    video_url = (form.get("video_url") or "").strip() or None
    if video_url:
        parts = urlsplit(video_url)
        if parts.scheme != "https" or not parts.netloc or len(video_url) > 500:
            problems["video_url"] = "link"
    first_default, last_default = program_days(cohort)
    first_raw, last_raw = (
        (form.get("first_day") or "").strip(),
        (form.get("last_day") or "").strip(),
    )
    first_day = _parse_day(first_raw) if first_raw else first_default
    last_day = _parse_day(last_raw) if last_raw else last_default
    if first_day is None:
        problems["first_day"] = "day"
    if last_day is None:
        problems["last_day"] = "day"
    if first_day and last_day and last_day < first_day:
        problems["last_day"] = "order"
    if problems:
        raise MeetingProblem(problems)
    return MeetingForm(
        small_group_id, weekday, starts_at, minutes, place, video_url, first_day, last_day
    )


def meetings_of(db: Session, cohort_id: int) -> list[Meeting]:
    """The cohort's meetings: the large group's first, then each small group's."""
    query = select(Meeting).where(Meeting.cohort_id == cohort_id)
    found = list(db.exec(query))
    return sorted(found, key=lambda m: (m.small_group_id is not None, m.small_group_id or 0, m.id))


def changes_of(db: Session, meetings: list[Meeting]) -> dict[int, dict[date, MeetingChange]]:
    """Each meeting's exceptions, by the day they change."""
    result: dict[int, dict[date, MeetingChange]] = {m.id: {} for m in meetings}
    if not meetings:
        return result
    query = select(MeetingChange).where(MeetingChange.meeting_id.in_([m.id for m in meetings]))
    for change in db.exec(query):
        result[change.meeting_id][change.on_day] = change
    return result


def regular_days(meeting: Meeting) -> list[date]:
    """Every day the meeting regularly falls on, from its first day to its last."""
    first = meeting.first_day + timedelta(days=(meeting.weekday - meeting.first_day.weekday()) % 7)
    days = []
    day = first
    while day <= meeting.last_day:
        days.append(day)
        day += timedelta(days=7)
    return days


def occurrences(
    cohort: Cohort, meeting: Meeting, changes: dict[date, MeetingChange]
) -> list[Occurrence]:
    result = []
    length = timedelta(minutes=meeting.minutes)
    for day in regular_days(meeting):
        change = changes.get(day)
        if change is not None and change.moved_to is not None:
            starts = program.session_start(cohort, change.moved_to)
            result.append(
                Occurrence(
                    meeting,
                    day,
                    starts,
                    starts + length,
                    False,
                    True,
                    change.place or meeting.place,
                )
            )
            continue
        starts = program.session_start(cohort, datetime.combine(day, _clock(meeting.starts_at)))
        result.append(
            Occurrence(
                meeting, day, starts, starts + length, change is not None, False, meeting.place
            )
        )
    return result


def occurrence_on(db: Session, cohort: Cohort, meeting: Meeting, on_day: date) -> Occurrence:
    changes = changes_of(db, [meeting])[meeting.id]
    for found in occurrences(cohort, meeting, changes):
        if found.on_day == on_day and not found.cancelled:
            return found
    raise NotAnOccurrence(on_day)


def save_meeting(
    db: Session, viewer: User, cohort: Cohort, values: MeetingForm, meeting: Meeting | None = None
) -> Meeting:
    meeting = meeting or Meeting(
        cohort_id=cohort.id,
        weekday=0,
        starts_at="00:00",
        first_day=values.first_day,
        last_day=values.last_day,
    )
    for name in MeetingForm.__dataclass_fields__:
        setattr(meeting, name, getattr(values, name))
    db.add(meeting)
    db.flush()
    audit.record(
        db,
        viewer,
        "meeting_saved",
        cohort_id=cohort.id,
        object_type="meeting",
        object_id=meeting.id,
    )
    db.commit()
    return meeting


def delete_meeting(db: Session, viewer: User, meeting: Meeting) -> None:
    db.exec(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    db.exec(delete(MeetingChange).where(MeetingChange.meeting_id == meeting.id))
    audit.record(
        db,
        viewer,
        "meeting_removed",
        cohort_id=meeting.cohort_id,
        object_type="meeting",
        object_id=meeting.id,
    )
    db.delete(meeting)
    db.commit()


def save_change(db: Session, viewer: User, cohort: Cohort, meeting: Meeting, form) -> MeetingChange:
    """Cancel one week's meeting, or move it to another day and time."""
    problems = {}
    on_day = _parse_day(form.get("on_day") or "")
    if on_day is None or on_day not in regular_days(meeting):
        problems["on_day"] = "not_held"
    moved_to = None
    if form.get("kind") == "move":
        new_day = _parse_day(form.get("new_day") or "")
        new_time = (form.get("new_time") or "").strip()
        if new_day is None:
            problems["new_day"] = "day"
        if not TIME_PATTERN.match(new_time):
            problems["new_time"] = "time"
        if not problems:
            moved_to = datetime.combine(new_day, _clock(new_time))
    elif form.get("kind") != "cancel":
        problems["kind"] = "kind"
    place = (form.get("new_place") or "").strip()[:200] or None
    if problems:
        raise MeetingProblem(problems)
    change = db.exec(
        select(MeetingChange).where(
            MeetingChange.meeting_id == meeting.id, MeetingChange.on_day == on_day
        )
    ).first() or MeetingChange(meeting_id=meeting.id, on_day=on_day)
    change.moved_to = moved_to
    change.place = place if moved_to else None
    db.add(change)
    audit.record(
        db,
        viewer,
        "meeting_changed",
        cohort_id=cohort.id,
        object_type="meeting",
        object_id=meeting.id,
    )
    db.commit()
    return change


def remove_change(db: Session, viewer: User, cohort: Cohort, change: MeetingChange) -> None:
    audit.record(
        db,
        viewer,
        "meeting_change_removed",
        cohort_id=cohort.id,
        object_type="meeting",
        object_id=change.meeting_id,
    )
    db.delete(change)
    db.commit()


# ---- what a participant sees ----------------------------------------------------------------


def participant_meetings(db: Session, membership: Membership) -> list[Meeting]:
    """The large group's meetings and the person's own small group's."""
    return [
        m
        for m in meetings_of(db, membership.cohort_id)
        if m.small_group_id is None or m.small_group_id == membership.small_group_id
    ]


def upcoming(
    db: Session,
    cohort: Cohort,
    meetings: list[Meeting],
    now: datetime | None = None,
    *,
    within: timedelta = timedelta(days=8),
) -> list[Occurrence]:
    """Each meeting's next occurrence that has not ended, and any change in the days ahead,
    in time order; a cancelled week shows so nobody comes to an empty room."""
    now = now or datetime.now(UTC)
    changes = changes_of(db, meetings)
    found = []
    for meeting in meetings:
        ahead = [o for o in occurrences(cohort, meeting, changes[meeting.id]) if o.ends > now]
        next_held = next((o for o in ahead if not o.cancelled), None)
        for occurrence in ahead:
            soon = occurrence.starts <= now + within
            if occurrence is next_held or (soon and (occurrence.cancelled or occurrence.moved)):
                found.append(occurrence)
            if occurrence is next_held:
                break
    return sorted(found, key=lambda o: o.starts)


def own_attendance(db: Session, user: User, cohort_id: int) -> list[tuple[Meeting, Attendance]]:
    """The person's own attendance, newest first; nobody else's."""
    query = (
        select(Meeting, Attendance)
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(Attendance.user_id == user.id, Meeting.cohort_id == cohort_id)
        .order_by(Attendance.on_day.desc(), Meeting.id)
    )
    return list(db.exec(query))


# ---- attendance, for the team --------------------------------------------------------------


def expected(db: Session, meeting: Meeting) -> list[User]:
    """Who belongs at the meeting: every participant for the large group, the small group's
    participants for theirs."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == meeting.cohort_id, Membership.role == Role.participant)
        .order_by(User.display_name, User.id)
    )
    if meeting.small_group_id is not None:
        query = query.where(Membership.small_group_id == meeting.small_group_id)
    return list(db.exec(query))


def recorded(db: Session, meeting: Meeting, on_day: date) -> dict[int, Attendance]:
    query = select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.on_day == on_day
    )
    return {row.user_id: row for row in db.exec(query)}


def takeable(
    db: Session,
    cohort: Cohort,
    meetings: list[Meeting],
    now: datetime | None = None,
    *,
    weeks_back: int = 12,
) -> list[Occurrence]:
    """Occurrences attendance may be taken for: the one happening now (from a little before
    it starts) and past ones, newest first."""
    now = now or datetime.now(UTC)
    oldest = now - timedelta(weeks=weeks_back)
    changes = changes_of(db, meetings)
    found = [
        o
        for m in meetings
        for o in occurrences(cohort, m, changes[m.id])
        if not o.cancelled and oldest <= o.starts <= now + OPENS_BEFORE
    ]
    return sorted(found, key=lambda o: o.starts, reverse=True)


def record_attendance(
    db: Session,
    viewer: User,
    cohort: Cohort,
    occurrence: Occurrence,
    statuses: dict[int, str],
    now: datetime | None = None,
) -> int:
    """Save one occurrence's attendance for everyone expected; anyone not named is present.
    Returns how many people it holds."""
    now = now or datetime.now(UTC)
    if occurrence.starts - OPENS_BEFORE > now:
        raise AttendanceNotOpen(occurrence.on_day)
    meeting = occurrence.meeting
    existing = recorded(db, meeting, occurrence.on_day)
    people = expected(db, meeting)
    for person in people:
        status = statuses.get(person.id, "present")
        if status not in STATUSES:
            status = "present"
        row = existing.get(person.id) or Attendance(
            meeting_id=meeting.id, on_day=occurrence.on_day, user_id=person.id, status=status
        )
        if row.id is None or row.status != status:
            row.status = status
            row.recorded_by_id = viewer.id
            row.recorded_at = now
            db.add(row)
    audit.record(
        db,
        viewer,
        "attendance_taken",
        cohort_id=cohort.id,
        object_type="meeting",
        object_id=f"{meeting.id}:{occurrence.on_day.isoformat()}",
    )
    db.commit()
    return len(people)


def attendance_counts(db: Session, cohort_id: int) -> dict[int, dict[str, int]]:
    """For each participant, how many meetings were recorded as present, absent, excused."""
    query = (
        select(Attendance.user_id, Attendance.status)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Meeting.cohort_id == cohort_id)
    )
    counts: dict[int, dict[str, int]] = {}
    for user_id, status in db.exec(query):
        tally = counts.setdefault(user_id, dict.fromkeys(STATUSES, 0))
        tally[status] = tally.get(status, 0) + 1
    return counts


def may_take_attendance(db: Session, user: User, cohort: Cohort, meeting: Meeting) -> bool:
    """The cohort's facilitators (a small group's own, or the whole cohort's), therapists and
    somatic practitioners; knowledge keepers when the cohort allows; administrators."""
    if user.role == Role.admin:
        return True
    membership = access.cohort_membership(db, user, cohort.id)
    if membership is None:
        return False
    role = membership.role
    if role in (Role.facilitator, Role.therapist):
        return meeting.small_group_id is None or membership.small_group_id in (
            None,
            meeting.small_group_id,
        )
    if role == Role.somatic:
        return True
    if role == Role.knowledge_keeper:
        return cohort.keepers_take_attendance
    return False


def taken_days(db: Session, meetings: list[Meeting]) -> set[tuple[int, date]]:
    """(meeting id, day) of each occurrence whose attendance has been taken."""
    if not meetings:
        return set()
    query = (
        select(Attendance.meeting_id, Attendance.on_day)
        .where(Attendance.meeting_id.in_([m.id for m in meetings]))
        .distinct()
    )
    return {(meeting_id, day) for meeting_id, day in db.exec(query)}


def audit_attendance_read(db: Session, viewer: User, cohort: Cohort, occurrence: Occurrence):
    audit.record(
        db,
        viewer,
        "viewed_attendance",
        cohort_id=cohort.id,
        object_type="meeting",
        object_id=f"{occurrence.meeting.id}:{occurrence.on_day.isoformat()}",
    )
    db.commit()


def needs_attention(db: Session, cohort: Cohort, people: list[User]) -> set[int]:
    """Who has a safety flag nobody has acknowledged: shown to the team taking attendance as
    "needs attention" only, never what the flag says. Knowledge keepers are not shown it
    (see the view), since it is clinical."""
    if not people:
        return set()
    query = select(SafetyFlag.user_id).where(
        SafetyFlag.cohort_id == cohort.id,
        SafetyFlag.acknowledged_at.is_(None),
        SafetyFlag.user_id.in_([p.id for p in people]),
    )
    return set(db.exec(query))
