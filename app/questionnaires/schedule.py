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


def windows(
    cohort: Cohort,
    enrolled_on: date,
    first_session: date | None = None,
    baseline_closes: str = "first_session",
) -> list[Window]:
    """Intake opens at enrolment and is meant for week 1. By default (the bundle's
    `baseline_closes: first_session`) it closes on the day of the first medicine session: a
    baseline after dosing is not a baseline, and the medical intake is for before it. Someone
    who joins on or after that day, a cohort with no sessions set, or a bundle that says
    `end_window` keeps it open until the end window begins; such a baseline is labelled late.
    The end runs from week 12 to two weeks after; follow-ups at about one and six months."""
    start = cohort.start_date
    end = start + timedelta(days=7 * cohort.weeks)
    opens = min(enrolled_on, start)
    closes = end - timedelta(days=7)
    if baseline_closes == "first_session" and first_session and enrolled_on < first_session:
        closes = min(closes, first_session)
    return [
        Window("intake", INTAKE, opens, closes),
        Window("end", OUTCOMES, end - timedelta(days=7), end + timedelta(days=14)),
        Window("follow-up-1m", OUTCOMES, end + timedelta(days=21), end + timedelta(days=42)),
        Window("follow-up-6m", OUTCOMES, end + timedelta(days=168), end + timedelta(days=196)),
    ]


def enrolled_on(cohort: Cohort, membership: Membership) -> date:
    joined = membership.joined_at
    joined = joined if joined.tzinfo else joined.replace(tzinfo=UTC)
    return local_today(cohort, joined)


def open_windows(
    cohort: Cohort,
    membership: Membership,
    now: datetime | None = None,
    first_session: date | None = None,
    baseline_closes: str = "first_session",
):
    today = local_today(cohort, now)
    found = windows(cohort, enrolled_on(cohort, membership), first_session, baseline_closes)
    return [w for w in found if w.open_on(today)]


def is_late_baseline(
    administration: str, completed_on: date | None, first_session: date | None
) -> bool:
    """A baseline (intake) finished on or after the day of the first medicine session."""
    return (
        administration == "intake"
        and completed_on is not None
        and first_session is not None
        and completed_on >= first_session
    )


def extra_windows(extras) -> list[Window]:
    """Administrations the team opened by hand, each its own window."""
    return [
        Window(f"extra-{extra.id}", (extra.instrument_id,), extra.opens_on, extra.closes_on)
        for extra in extras
    ]
