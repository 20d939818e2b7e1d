"""The cohort's clock: program weeks counted on the cohort's own calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app import program
from app.models import Cohort

START = date(2025, 1, 6)  # a Monday


def cohort(timezone: str = "America/Vancouver", start: date = START) -> Cohort:
    return Cohort(name="C", start_date=start, timezone=timezone)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_week_one_begins_on_the_start_date_in_the_cohort_time_zone():
    # 08:00 UTC is midnight in Vancouver (UTC-8 in January).
    position = program.position(cohort(), at(2025, 1, 6, 8, 0))
    assert (position.week, position.running, position.before_start) == (1, True, False)


def test_the_evening_before_the_start_is_still_before_the_start_even_if_utc_has_moved_on():
    position = program.position(cohort(), at(2025, 1, 6, 7, 59))
    assert position.week == 0
    assert position.before_start
    assert position.days_until_start == 1


def test_the_same_instant_can_be_in_different_weeks_for_cohorts_in_different_zones():
    instant = at(2025, 1, 12, 20, 0)  # Sunday evening in Vancouver, Monday morning in Auckland
    assert program.position(cohort("America/Vancouver"), instant).week == 1
    assert program.position(cohort("Pacific/Auckland"), instant).week == 2


def test_days_until_start_counts_calendar_days_in_the_cohort_zone():
    position = program.position(cohort(), at(2024, 12, 30, 20, 0))  # Dec 30 noon in Vancouver
    assert (position.week, position.days_until_start) == (0, 7)


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2025, 1, 12), 1),
        (date(2025, 1, 13), 2),
        (date(2025, 1, 22), 3),
        (date(2025, 3, 30), 12),
    ],
)
def test_each_week_is_seven_calendar_days(day, week):
    noon_in_vancouver = at(day.year, day.month, day.day, 20, 0)
    assert program.position(cohort(), noon_in_vancouver).week == week


def test_week_numbering_keeps_to_the_calendar_across_a_daylight_saving_change():
    # Vancouver springs forward on 2025-03-09; 00:30 local on Monday 10 March is 07:30 UTC.
    position = program.position(cohort(start=date(2025, 3, 3)), at(2025, 3, 10, 7, 30))
    assert position.week == 2


def test_the_last_day_of_week_twelve_is_still_running():
    position = program.position(cohort(), at(2025, 3, 31, 6, 59))  # Mar 30, 23:59 PDT
    assert (position.week, position.running, position.ended) == (12, True, False)


def test_the_day_after_week_twelve_the_program_has_ended():
    position = program.position(cohort(), at(2025, 3, 31, 7, 0))  # Mar 31, midnight PDT
    assert (position.week, position.running, position.ended) == (13, False, True)
    assert position.days_until_start == 0


def test_local_today_is_the_date_on_the_cohort_wall_clock():
    assert program.local_today(cohort("Asia/Tokyo"), at(2025, 1, 5, 16, 0)) == date(2025, 1, 6)


@pytest.mark.parametrize(
    ("name", "valid"),
    [("America/Vancouver", True), ("Europe/Paris", True), ("Mars/Olympus", False)],
)
def test_only_real_time_zones_are_valid(name, valid):
    assert program.valid_timezone(name) is valid
