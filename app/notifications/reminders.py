"""Participants' reminders: opt-in by type, kind in wording, quiet at night, one a day.

Nothing is sent unless the person turned a type on. Four types: the pre-session checklist is
open, the evening before a medicine session (19:00), this week's practice (10:00 on the
week's first day), a check-in due (10:00 on the day it opens). Times are on the cohort's
clock. Nothing is sent in the person's quiet hours (21:00–08:00 unless they chose other
hours or none); a reminder that falls in them waits until they end, if it still applies.
At most one reminder a day unless the person asked for more. Every reminder says the same
thing ("something is waiting for you") and opens the page it is about: nothing on a lock
screen tells what Tend is for.

The worker calls `schedule` every minute; the unique dedup key of each occurrence makes a
second run (or a second worker) add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from app import access, program
from app.content import Library
from app.models import (
    Cohort,
    Delivery,
    Notification,
    PushDevice,
    ReminderChoice,
    User,
    utcnow,
)
from app.notifications import links
from app.notifications.outbox import EMAIL, PUSH, email_available, enqueue

REMINDER = "reminder"
TYPES = ("checklist_open", "evening_before", "weekly_practice", "check_in_due")
EVENING = time(19, 0)
MORNING = time(10, 0)
DEFAULT_QUIET = ("21:00", "08:00")


@dataclass(frozen=True)
class Occurrence:
    key: str  # unique per person: "checklist-12", "week-3"
    due: datetime  # aware
    page: str  # the path it opens


def choice_for(db: Session, user: User) -> ReminderChoice:
    """The person's choices, or the defaults (everything off) when they never chose."""
    return db.get(ReminderChoice, user.id) or ReminderChoice(user_id=user.id)


def save_choice(db: Session, user: User, **values) -> ReminderChoice:
    choice = db.get(ReminderChoice, user.id) or ReminderChoice(user_id=user.id)
    for name, value in values.items():
        setattr(choice, name, value)
    choice.updated_at = utcnow()
    db.add(choice)
    db.commit()
    return choice


def wants_any(choice: ReminderChoice) -> bool:
    return any(getattr(choice, name) for name in TYPES) and (choice.by_email or choice.by_push)


def _clock(value: str | None) -> time | None:
    if not value:
        return None
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(choice: ReminderChoice, moment: time) -> bool:
    start, end = _clock(choice.quiet_from), _clock(choice.quiet_until)
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight, as 21:00–08:00 is


def _local(day, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, zone)


def occurrences(
    db: Session, library: Library, user: User, choice: ReminderChoice, now: datetime
) -> list[Occurrence]:
    """What the person asked to be reminded of that has come due and still applies now."""
    from app.questionnaires import services as questionnaires
    from app.sessions import checklist

    membership = access.participant_membership(db, user)
    if membership is None:
        return []
    cohort = db.get(Cohort, membership.cohort_id)
    zone = ZoneInfo(cohort.timezone)
    found: list[Occurrence] = []
    if choice.checklist_open or choice.evening_before:
        pre = library.get(
            "checklist", checklist.PRE_SESSION, cohort.default_locale, cohort.bundle_id
        )
        for session in program.sessions_of(db, cohort):
            starts = program.session_start(cohort, session.starts_local)
            if starts <= now:
                continue
            if choice.checklist_open and pre is not None:
                opens = checklist.timing(cohort, session, pre.item.data).opens
                record = checklist.submission(db, user.id, session.id)
                if opens <= now and not (record and record.submitted_at):
                    page = links.path("sessions.pre_session_checklist", session_id=session.id)
                    found.append(Occurrence(f"checklist-{session.id}", opens, page))
            if choice.evening_before:
                evening = _local(session.starts_local.date() - timedelta(days=1), EVENING, zone)
                if evening <= now:
                    found.append(
                        Occurrence(f"evening-{session.id}", evening, links.path("home.index"))
                    )
    if choice.weekly_practice:
        position = program.position(cohort, now)
        if position.running:
            first, _last = program.week_days(cohort, position.week)
            at = _local(first, MORNING, zone)
            if at <= now:
                found.append(
                    Occurrence(f"week-{position.week}", at, links.path("practices.this_week"))
                )
    if choice.check_in_due:
        waiting = {
            item.administration
            for item in questionnaires.due(db, library, user, cohort.default_locale, now)
            if item.state != "done"
        }
        for window in questionnaires.open_windows(db, cohort, membership, now):
            if window.administration in waiting:
                at = max(_local(window.opens, MORNING, zone), _aware(membership.joined_at))
                if at <= now:
                    found.append(
                        Occurrence(
                            f"checkin-{window.administration}",
                            at,
                            links.path("questionnaires.index"),
                        )
                    )
                waiting.discard(window.administration)
    return sorted(found, key=lambda o: o.due)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _keys_sent(db: Session, user: User) -> set[str]:
    """Occurrences already reminded of (in any state but cancelled)."""
    query = select(Notification.dedup_key).where(
        Notification.user_id == user.id,
        Notification.kind == REMINDER,
        Notification.status != Delivery.cancelled,
    )
    return {key.split(":")[2] for key in db.exec(query) if key.count(":") >= 3}


def _reminded_since(db: Session, user: User, since: datetime) -> bool:
    query = select(Notification.id).where(
        Notification.user_id == user.id,
        Notification.kind == REMINDER,
        Notification.due_at >= since.astimezone(UTC),
        col(Notification.status).in_([Delivery.pending, Delivery.sending, Delivery.sent]),
    )
    return db.exec(query.limit(1)).first() is not None


def schedule(db: Session, library: Library, now: datetime | None = None) -> int:
    """Enqueue the reminders that are due now; returns how many messages were added."""
    now = now or utcnow()
    wanted = or_(*(getattr(ReminderChoice, name) for name in TYPES))
    by_any = or_(ReminderChoice.by_email, ReminderChoice.by_push)
    query = (
        select(ReminderChoice, User)
        .join(User, User.id == ReminderChoice.user_id)
        .where(User.active, wanted, by_any)
    )
    added = 0
    mail = email_available()
    for choice, user in db.exec(query).all():
        added += _schedule_one(db, library, user, choice, now, mail)
    db.commit()
    return added


def _schedule_one(db, library, user, choice, now, mail: bool) -> int:
    membership = access.participant_membership(db, user)
    if membership is None:
        return 0
    cohort = db.get(Cohort, membership.cohort_id)
    local_now = now.astimezone(ZoneInfo(cohort.timezone))
    if in_quiet_hours(choice, local_now.time()):
        return 0
    midnight = datetime.combine(local_now.date(), time(0), local_now.tzinfo)
    if not choice.several_a_day and _reminded_since(db, user, midnight):
        return 0
    channels = []
    if choice.by_email and mail:
        channels.append(EMAIL)
    if (
        choice.by_push
        and db.exec(select(PushDevice.id).where(PushDevice.user_id == user.id)).first()
    ):
        channels.append(PUSH)
    if not channels:
        return 0
    done = _keys_sent(db, user)
    added = 0
    for occurrence in occurrences(db, library, user, choice, now):
        if occurrence.key in done:
            continue
        for channel in channels:
            added += enqueue(
                db,
                kind=REMINDER,
                channel=channel,
                user=user,
                cohort_id=cohort.id,
                dedup_key=f"{REMINDER}:{user.id}:{occurrence.key}:{channel}",
                context={"occurrence": occurrence.key, "page": occurrence.page},
                due_at=now,
            )
        if not choice.several_a_day:
            break
    return added


def prepare(db: Session, notification: Notification, stored: dict) -> dict | None:
    """Still wanted at sending time: the person has not turned it off, and it still applies."""
    from app import content

    user = db.get(User, notification.user_id) if notification.user_id else None
    if user is None:
        return None
    choice = choice_for(db, user)
    if not wants_any(choice):
        return None
    current = occurrences(db, content.library(), user, choice, utcnow())
    if stored.get("occurrence") not in {o.key for o in current}:
        return None
    return {
        "link": links.absolute_path(stored.get("page") or "/"),
        "account_link": links.absolute("auth.account"),
    }
