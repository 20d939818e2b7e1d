"""The cohort's clock: which program week it is, in the cohort's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlmodel import Session, select

from app.models import Cohort, MedicineSession

PROGRAM_WEEKS = 12


def valid_timezone(name: str) -> bool:
    return name in available_timezones()


def local_today(cohort: Cohort, now: datetime | None = None) -> date:
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(cohort.timezone)).date()


@dataclass(frozen=True)
class ProgramPosition:
    """Where a cohort stands: before it starts, in week N, or after it ends."""

    week: int  # 1-based program week; 0 before the start; > weeks once it has ended
    weeks: int
    days_until_start: int

    @property
    def before_start(self) -> bool:
        return self.week < 1

    @property
    def ended(self) -> bool:
        return self.week > self.weeks

    @property
    def running(self) -> bool:
        return 1 <= self.week <= self.weeks


def position(cohort: Cohort, now: datetime | None = None) -> ProgramPosition:
    """The program week on the cohort's local calendar (week 1 starts on the start date)."""
    today = local_today(cohort, now)
    days = (today - cohort.start_date).days
    week = 0 if days < 0 else days // 7 + 1
    return ProgramPosition(week=week, weeks=cohort.weeks, days_until_start=max(0, -days))


def week_days(cohort: Cohort, week: int) -> tuple[date, date]:
    """The first and last calendar day of a program week, on the cohort's calendar."""
    first = cohort.start_date + timedelta(days=7 * (week - 1))
    return first, first + timedelta(days=6)


def session_moments(week_first_day: date, session_days: list[date]) -> list[str]:
    """Which session-adjacent blocks a week carries: "preparation" when it holds any of the
    seven days before a ketamine session, "integration" when it holds the session day or any
    of the six days after. Session days are calendar days on the cohort's wall clock.
    """
    week_last_day = week_first_day + timedelta(days=6)

    def overlaps(start: date, end: date) -> bool:
        return start <= week_last_day and end >= week_first_day

    moments = []
    if any(overlaps(day - timedelta(days=7), day - timedelta(days=1)) for day in session_days):
        moments.append("preparation")
    if any(overlaps(day, day + timedelta(days=6)) for day in session_days):
        moments.append("integration")
    return moments


def session_start(cohort: Cohort, starts_local: datetime) -> datetime:
    """The instant a session starts: its wall-clock time in the cohort's time zone."""
    return starts_local.replace(tzinfo=ZoneInfo(cohort.timezone))


def session_days(db: Session, cohort: Cohort) -> list[date]:
    """The calendar days of the cohort's ketamine sessions, in order."""
    query = (
        select(MedicineSession.starts_local)
        .where(MedicineSession.cohort_id == cohort.id)
        .order_by(MedicineSession.starts_local)
    )
    return [starts.date() for starts in db.exec(query)]


def next_session(db: Session, cohort: Cohort, now: datetime | None = None):
    """The cohort's next ketamine session that has not yet started, if any."""
    now = now or datetime.now(UTC)
    query = (
        select(MedicineSession)
        .where(MedicineSession.cohort_id == cohort.id)
        .order_by(MedicineSession.starts_local)
    )
    for medicine_session in db.exec(query):
        if session_start(cohort, medicine_session.starts_local) > now:
            return medicine_session
    return None


def sessions_of(db: Session, cohort: Cohort) -> list[MedicineSession]:
    query = (
        select(MedicineSession)
        .where(MedicineSession.cohort_id == cohort.id)
        .order_by(MedicineSession.starts_local)
    )
    return list(db.exec(query))
