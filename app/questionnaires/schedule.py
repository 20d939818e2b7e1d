"""When each questionnaire is open, on the cohort's own calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.models import Cohort, Membership
from app.program import local_today

OUTCOMES = ("phq-9", "gad-7", "pcl-5", "b-ipf")
INTAKE = ("about-you", "medical-intake", *OUTCOMES)


@dataclass(frozen=True)
class Window:
    administration: str
    instruments: tuple[str, ...]
    opens: date  # first day, inclusive
    closes: date  # first day it is no longer open

    def open_on(self, day: date) -> bool:
        return self.opens <= day < self.closes


def windows(cohort: Cohort, enrolled_on: date) -> list[Window]:
    """Intake opens at enrolment and is meant for week 1; it stays open (a late baseline is
    better than none) until the end-of-program window begins. The end runs from week 12 to
    two weeks after; follow-ups sit around one and six months after the end."""
    start = cohort.start_date
    end = start + timedelta(days=7 * cohort.weeks)
    return [
        Window("intake", INTAKE, min(enrolled_on, start), end - timedelta(days=7)),
        Window("end", OUTCOMES, end - timedelta(days=7), end + timedelta(days=14)),
        Window("follow-up-1m", OUTCOMES, end + timedelta(days=21), end + timedelta(days=42)),
        Window("follow-up-6m", OUTCOMES, end + timedelta(days=168), end + timedelta(days=196)),
    ]


def enrolled_on(cohort: Cohort, membership: Membership) -> date:
    joined = membership.joined_at
    joined = joined if joined.tzinfo else joined.replace(tzinfo=UTC)
    return local_today(cohort, joined)


def open_windows(cohort: Cohort, membership: Membership, now: datetime | None = None):
    today = local_today(cohort, now)
    return [w for w in windows(cohort, enrolled_on(cohort, membership)) if w.open_on(today)]


def extra_windows(extras) -> list[Window]:
    """Administrations the team opened by hand, each its own window."""
    return [
        Window(f"extra-{extra.id}", (extra.instrument_id,), extra.opens_on, extra.closes_on)
        for extra in extras
    ]
