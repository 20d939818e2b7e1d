"""The cohort's clock: which program week it is, in the cohort's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

from app.models import Cohort

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
