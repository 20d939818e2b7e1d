"""The demo cohort: in week 3, in Vancouver, with the accounts the README lists."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.auth.passwords import hash_password
from app.auth.services import create_invites
from app.config import Settings
from app.content.loader import load_library
from app.meetings import services as meetings
from app.models import (
    AlertContact,
    Answer,
    Cohort,
    JournalEntry,
    MedicineSession,
    Meeting,
    MeetingChange,
    Membership,
    QuestionnaireResponse,
    Role,
    Sharing,
    SmallGroup,
    User,
    utcnow,
)
from app.program import local_today
from app.questionnaires import engine
from app.questionnaires.schedule import INTAKE
from app.sessions import checklist, consent

DEFAULT_PASSWORD = "tend-demo-password"  # noqa: S105  (the documented demo password)
TIMEZONE = "America/Vancouver"


class DemoRefused(Exception):
    """The demo seed never runs in production."""


@dataclass(frozen=True)
class DemoAccounts:
    password: str
    accounts: list[tuple[str, str]]


# (email, display name, role, small group or None, cohort role or None)
PEOPLE = [
    ("admin@example.org", "Alex (admin)", Role.admin, None, None),
    ("facilitator@example.org", "Robin Facilitator", Role.facilitator, None, Role.facilitator),
    ("medical@example.org", "Sam Nurse", Role.medical, None, Role.medical),
    ("participant@example.org", "Jordan", Role.participant, "Cedar", Role.participant),
    ("participant2@example.org", "Casey", Role.participant, "Cedar", Role.participant),
    ("participant3@example.org", "Morgan", Role.participant, "Cedar", Role.participant),
    ("participant4@example.org", "Riley", Role.participant, "Willow", Role.participant),
    ("participant5@example.org", "Taylor", Role.participant, "Willow", Role.participant),
    ("participant6@example.org", "Quinn", Role.participant, "Willow", Role.participant),
]


def seed(
    settings: Settings, engine: Engine, *, only_if_empty: bool, now: datetime | None = None
) -> DemoAccounts | None:
    if settings.production:
        raise DemoRefused("The demo seed is refused when APP_ENV=production.")
    password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
    now = now or datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as db:
        if db.exec(select(User.id)).first() is not None:
            if only_if_empty:
                return None
            raise DemoRefused(
                "The database already has people in it; the demo seed needs it empty."
            )
        cohort = Cohort(
            name="Spring Circle (demo)",
            start_date=date_in_week_three(now),
            timezone=TIMEZONE,
            default_locale="en",
            bundle_id="core",
        )
        db.add(cohort)
        db.flush()
        groups = {}
        for name in ("Cedar", "Willow"):
            group = SmallGroup(cohort_id=cohort.id, name=name)
            db.add(group)
            db.flush()
            groups[name] = group
        accounts = []
        for email, name, role, group_name, cohort_role in PEOPLE:
            # One hash per person: each gets its own salt.
            password_hash = hash_password(password)
            user = User(email=email, display_name=name, password_hash=password_hash, role=role)
            db.add(user)
            db.flush()
            if cohort_role is not None:
                group = groups[group_name] if group_name else None
                db.add(
                    Membership(
                        user_id=user.id,
                        cohort_id=cohort.id,
                        small_group_id=group.id if group else None,
                        role=cohort_role,
                    )
                )
            accounts.append((email, str(role)))
        # An on-call address, so an urgent flag in the demo shows where alerts go (the
        # development mail page lists them; no mail leaves without SMTP_URL).
        db.add(AlertContact(cohort_id=cohort.id, purpose="on_call", email="oncall@example.org"))
        db.commit()
        _schedule_sessions(db, cohort, now)
        _schedule_meetings(db, cohort, groups, now)
        _write_journals(db, cohort, now)
        _complete_intake(db, settings, cohort, "participant@example.org")
        _prepare_first_session(db, settings, cohort, now)
        facilitator = db.exec(select(User).where(User.email == "facilitator@example.org")).one()
        create_invites(
            db,
            facilitator,
            cohort.id,
            count=2,
            small_group_id=groups["Willow"].id,
            valid_for=timedelta(days=14),
        )
    return DemoAccounts(password=password, accounts=accounts)


def _schedule_sessions(db: Session, cohort: Cohort, now: datetime) -> None:
    """The first ketamine session 30 hours from now (so its checklist is open), then two more."""
    zone = ZoneInfo(cohort.timezone)
    first = (
        (now + timedelta(hours=30))
        .astimezone(zone)
        .replace(minute=0, second=0, microsecond=0, tzinfo=None)
    )
    for number, days_later in ((1, 0), (2, 28), (3, 49)):
        db.add(
            MedicineSession(
                cohort_id=cohort.id,
                number=number,
                starts_local=first + timedelta(days=days_later),
                place="Community health centre, room 2",
            )
        )
    db.commit()


def _schedule_meetings(db: Session, cohort: Cohort, groups: dict, now: datetime) -> None:
    """A large group on Tuesdays by video and each small group on Thursdays in person, with
    a cancelled week ahead."""
    first, last = cohort.start_date, cohort.start_date + timedelta(days=7 * cohort.weeks - 1)
    large = Meeting(
        cohort_id=cohort.id,
        weekday=1,
        starts_at="18:30",
        minutes=120,
        video_url="https://video.example.org/spring-circle",
        first_day=first,
        last_day=last,
    )
    db.add(large)
    for index, group in enumerate(groups.values()):
        db.add(
            Meeting(
                cohort_id=cohort.id,
                small_group_id=group.id,
                weekday=3,
                starts_at=("17:00", "19:00")[index % 2],
                minutes=90,
                place="Community health centre, room 4",
                first_day=first,
                last_day=last,
            )
        )
    db.flush()
    # A holiday in week 8 cancels that week's large group.
    cancelled = meetings.regular_days(large)[7]
    db.add(MeetingChange(meeting_id=large.id, on_day=cancelled))
    db.commit()


# (email, week, sharing, title, body, feelings). Sample words written for the demo only.
JOURNAL = [
    (
        "participant@example.org",
        1,
        Sharing.group,
        "Arriving",
        "I almost did not come to the first circle. Hearing others say they were nervous too "
        "helped me stay.",
        ["anxious", "relieved"],
    ),
    (
        "participant@example.org",
        2,
        Sharing.private,
        None,
        "Tried the arriving breath before bed. My shoulders dropped a little.",
        ["tired", "calm"],
    ),
    (
        "participant@example.org",
        3,
        Sharing.group,
        "Being kind to myself",
        "Writing the kind letter felt strange, then it felt true for a moment.",
        ["tender"],
    ),
    (
        "participant2@example.org",
        1,
        Sharing.facilitators,
        None,
        "I am not sure I can trust a group yet. I would like to go slowly.",
        ["anxious"],
    ),
    (
        "participant2@example.org",
        3,
        Sharing.group,
        "Window",
        "Noticed I go numb when things get loud. Naming it helped.",
        ["numb", "curious"],
    ),
    (
        "participant3@example.org",
        3,
        Sharing.group,
        None,
        "The body scan with eyes open was easier than I expected.",
        ["calm", "curious"],
    ),
]


def _write_journals(db: Session, cohort: Cohort, now: datetime) -> None:
    people = {u.email: u for u in db.exec(select(User))}
    zone = ZoneInfo(cohort.timezone)
    for index, (email, week, sharing, title, body, feelings) in enumerate(JOURNAL):
        # An evening in the entry's week, on the cohort's clock.
        day = cohort.start_date + timedelta(days=(week - 1) * 7 + 1 + index % 3)
        local = datetime(day.year, day.month, day.day, 21, 10 + index, tzinfo=zone)
        written = local.astimezone(UTC)  # stored in UTC, like every time in the database
        # This week's evenings may not have come yet: those entries were written earlier
        # today (the cohort is two days into week 3, so that is still week 3).
        written = min(written, now - timedelta(hours=1, minutes=index))
        user = people[email]
        membership = db.exec(select(Membership).where(Membership.user_id == user.id)).one()
        db.add(
            JournalEntry(
                user_id=user.id,
                cohort_id=cohort.id,
                small_group_id=membership.small_group_id,
                client_uuid=str(uuid.uuid4()),
                week=week,
                title=title,
                body=body,
                feelings=json.dumps(feelings),
                sharing=sharing,
                draft=False,
                created_at=written,
                updated_at=written,
                shared_at=written if sharing != Sharing.private else None,
            )
        )
    db.commit()


def _calm_answer(definition, item):
    """An answer that raises no flag: the demo shows a completed intake, not a crisis."""
    if item.type in ("choice", "multi"):
        candidates = [o.value for o in definition.response_sets[item.options]]
    elif item.type == "yesno":
        candidates = ["no", "yes"]
    elif item.type == "number":
        candidates = [item.min if item.min is not None else 0]
    else:
        return None
    for value in candidates:
        value = [value] if item.type == "multi" else value
        if not engine.fired_flags(definition, {item.id: value}, None):
            return value
    return None


def _complete_intake(db: Session, settings: Settings, cohort: Cohort, email: str) -> None:
    library = load_library(Path(settings.content_root))
    user = db.exec(select(User).where(User.email == email)).one()
    for instrument_id in INTAKE:
        resolved = library.get("questionnaire", instrument_id, "en", cohort.bundle_id)
        if resolved is None:
            continue
        definition = resolved.item.data
        response = QuestionnaireResponse(
            user_id=user.id,
            cohort_id=cohort.id,
            instrument_id=instrument_id,
            instrument_version=definition.version,
            administration="intake",
            locale="en",
            bundle_id=resolved.item.bundle_id,
            completed_at=utcnow(),
        )
        db.add(response)
        db.flush()
        answers: dict = {}
        for item in definition.items:
            if item.show_if and not engine.visible_items(definition, answers).count(item):
                continue
            value = _calm_answer(definition, item)
            answers[item.id] = value
            db.add(
                Answer(
                    response_id=response.id,
                    item_id=item.id,
                    value=None if value is None else json.dumps(value),
                )
            )
    db.commit()


def _prepare_first_session(db: Session, settings: Settings, cohort: Cohort, now) -> None:
    """Both demo participants have their consents on file; the first is ready for session 1,
    the second has not started the checklist."""
    library = load_library(Path(settings.content_root))
    people = {u.email: u for u in db.exec(select(User))}
    for email in ("participant@example.org", "participant2@example.org"):
        for document in consent.documents(library, cohort.bundle_id, "en"):
            choices = document.item.data.choices
            consent.sign(
                db,
                people[email],
                cohort.id,
                document,
                choices[0].id if choices else None,
                people[email].display_name,
            )
    first = db.exec(
        select(MedicineSession).where(
            MedicineSession.cohort_id == cohort.id, MedicineSession.number == 1
        )
    ).one()
    definition = library.get("checklist", checklist.PRE_SESSION, "en", cohort.bundle_id).item.data
    form = checklist.clear_form(definition)
    checklist.save(
        db, people["participant@example.org"], first, cohort, definition, form, submit=True, now=now
    )


def date_in_week_three(now: datetime):
    """A start 2 weeks and 2 days ago on Vancouver's calendar, so the cohort is in week 3."""
    probe = Cohort(name="", start_date=now.date(), timezone=TIMEZONE)
    return local_today(probe, now) - timedelta(days=16)
