"""Weeks around the cohort's ketamine sessions, and the program clock across daylight-saving
changes, with given dates and instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import program
from app.models import Cohort, MedicineSession

START = date(2026, 2, 23)  # a Monday; Vancouver springs forward on Sunday 2026-03-08


def cohort(timezone: str = "America/Vancouver", start: date = START) -> Cohort:
    return Cohort(name="C", start_date=start, timezone=timezone)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def first_day(week: int, start: date = START) -> date:
    return program.week_days(cohort(start=start), week)[0]


# --- session_moments: which blocks a week carries, from given dates. ------------------------


def test_a_week_far_from_any_session_carries_no_block():
    session = first_day(6)
    assert program.session_moments(first_day(2), [session]) == []
    assert program.session_moments(first_day(9), [session]) == []


def test_no_sessions_means_no_blocks():
    assert program.session_moments(first_day(3), []) == []


def test_the_week_before_a_session_on_the_first_day_of_a_week_is_preparation_only():
    session = first_day(5)
    assert program.session_moments(first_day(4), [session]) == ["preparation"]


def test_the_week_that_starts_with_the_session_is_integration_only():
    session = first_day(5)
    assert program.session_moments(first_day(5), [session]) == ["integration"]
    assert program.session_moments(first_day(6), [session]) == []


def test_a_mid_week_session_gives_its_own_week_both_blocks_and_the_next_week_integration():
    session = first_day(5) + timedelta(days=2)  # the Wednesday of week 5
    assert program.session_moments(first_day(4), [session]) == ["preparation"]
    assert program.session_moments(first_day(5), [session]) == ["preparation", "integration"]
    assert program.session_moments(first_day(6), [session]) == ["integration"]
    assert program.session_moments(first_day(7), [session]) == []


def test_a_session_on_the_last_day_of_a_week_touches_three_weeks():
    session = first_day(5) + timedelta(days=6)  # Sunday, the last day of week 5
    assert program.session_moments(first_day(3), [session]) == []
    # Week 4's last day is seven days before the session.
    assert program.session_moments(first_day(4), [session]) == ["preparation"]
    assert program.session_moments(first_day(5), [session]) == ["preparation", "integration"]
    assert program.session_moments(first_day(6), [session]) == ["integration"]


def test_the_preparation_window_is_exactly_the_seven_days_before_the_session():
    week_start = first_day(4)
    just_inside = week_start + timedelta(days=7)  # the week's first day is 7 days before
    just_outside = week_start + timedelta(days=13)  # the week's last day is 7 days before
    assert program.session_moments(week_start, [just_inside]) == ["preparation"]
    assert "preparation" in program.session_moments(week_start, [just_outside])
    assert program.session_moments(week_start, [week_start + timedelta(days=14)]) == []


def test_the_integration_window_is_the_session_day_and_six_days_after():
    week_start = first_day(6)
    assert program.session_moments(week_start, [week_start - timedelta(days=6)]) == ["integration"]
    assert program.session_moments(week_start, [week_start - timedelta(days=7)]) == []


def test_two_sessions_each_shape_their_own_weeks():
    sessions = [first_day(4), first_day(9)]
    moments = {n: program.session_moments(first_day(n), sessions) for n in range(1, 13)}
    assert moments == {
        1: [],
        2: [],
        3: ["preparation"],
        4: ["integration"],
        5: [],
        6: [],
        7: [],
        8: ["preparation"],
        9: ["integration"],
        10: [],
        11: [],
        12: [],
    }


def test_a_session_right_after_the_dst_change_is_found_by_calendar_day():
    session = date(2026, 3, 9)  # the Monday after Vancouver springs forward: week 3
    assert program.session_moments(first_day(2), [session]) == ["preparation"]
    assert program.session_moments(first_day(3), [session]) == ["integration"]


def test_week_days_are_seven_calendar_days_even_across_a_23_hour_day():
    assert program.week_days(cohort(), 2) == (date(2026, 3, 2), date(2026, 3, 8))
    assert program.week_days(cohort(), 3) == (date(2026, 3, 9), date(2026, 3, 15))
    assert program.week_days(cohort(), 12) == (date(2026, 5, 11), date(2026, 5, 17))


def test_a_session_starts_at_its_wall_clock_time_on_either_side_of_the_change():
    assert program.session_start(cohort(), datetime(2026, 3, 7, 10, 0)) == utc(2026, 3, 7, 18, 0)
    assert program.session_start(cohort(), datetime(2026, 3, 8, 10, 0)) == utc(2026, 3, 8, 17, 0)


def test_session_days_are_the_cohorts_own_session_dates_in_order(db):
    mine, other = cohort(), cohort()
    db.add_all([mine, other])
    db.flush()
    db.add_all(
        [
            MedicineSession(cohort_id=mine.id, number=2, starts_local=datetime(2026, 4, 20, 9, 30)),
            MedicineSession(cohort_id=mine.id, number=1, starts_local=datetime(2026, 3, 9, 23, 0)),
            MedicineSession(cohort_id=other.id, number=1, starts_local=datetime(2026, 3, 2, 9)),
        ]
    )
    db.commit()
    assert program.session_days(db, mine) == [date(2026, 3, 9), date(2026, 4, 20)]


# --- position: the program week on the cohort's wall clock, across DST changes. -----------


@pytest.mark.parametrize(
    ("instant", "week", "today"),
    [
        # The night Vancouver springs forward (Sunday 8 March is the last day of week 2).
        (utc(2026, 3, 8, 7, 59), 2, date(2026, 3, 7)),  # 23:59 PST on Saturday
        (utc(2026, 3, 8, 8, 0), 2, date(2026, 3, 8)),  # midnight PST, the short day begins
        (utc(2026, 3, 9, 6, 59, 59), 2, date(2026, 3, 8)),  # 23:59:59 PDT on Sunday
        (utc(2026, 3, 9, 7, 0), 3, date(2026, 3, 9)),  # midnight PDT: week 3 begins
        (utc(2026, 3, 9, 7, 30), 3, date(2026, 3, 9)),  # still Sunday under PST: must not be
    ],
)
def test_week_three_begins_at_local_midnight_after_the_spring_change(instant, week, today):
    position = program.position(cohort(), instant)
    assert (position.week, program.local_today(cohort(), instant)) == (week, today)
    assert position.running


@pytest.mark.parametrize(
    ("instant", "week", "today"),
    [
        # Toronto falls back on 1 November 2026 (British Columbia no longer does).
        (utc(2026, 11, 1, 3, 59), 36, date(2026, 10, 31)),  # 23:59 EDT on Saturday
        (utc(2026, 11, 1, 4, 0), 36, date(2026, 11, 1)),  # midnight EDT on the long day
        (utc(2026, 11, 2, 4, 30), 36, date(2026, 11, 1)),  # 23:30 EST: still Sunday
        (utc(2026, 11, 2, 5, 0), 37, date(2026, 11, 2)),  # midnight EST on Monday
    ],
)
def test_after_the_program_the_autumn_change_keeps_counting_calendar_days(instant, week, today):
    toronto = cohort("America/Toronto")
    position = program.position(toronto, instant)
    assert (position.week, program.local_today(toronto, instant)) == (week, today)
    assert position.ended and not position.running


@pytest.mark.parametrize(
    ("instant", "week"),
    [
        (utc(2026, 11, 2, 4, 59), 4),  # Sunday 23:59 EST, the last minute of week 4
        (utc(2026, 11, 2, 5, 0), 5),  # Monday midnight EST
    ],
)
def test_an_autumn_cohort_changes_week_at_local_midnight_after_falling_back(instant, week):
    autumn = cohort("America/Toronto", start=date(2026, 10, 5))
    assert program.position(autumn, instant).week == week


def test_every_local_midnight_of_the_twelve_weeks_starts_the_right_day():
    tz = ZoneInfo("America/Vancouver")
    for offset in range(84):
        day = START + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
        before = program.position(cohort(), midnight - timedelta(seconds=1))
        at = program.position(cohort(), midnight)
        assert at.week == offset // 7 + 1, day
        assert before.week == (offset - 1) // 7 + 1 if offset else before.week == 0, day


@pytest.mark.parametrize(
    ("instant", "week"),
    [
        # Auckland falls back on Sunday 5 April 2026 (NZDT +13 → NZST +12).
        (utc(2026, 4, 5, 11, 30), 5),  # Sunday 23:30 NZST; it would be Monday under NZDT
        (utc(2026, 4, 5, 11, 59, 59), 5),
        (utc(2026, 4, 5, 12, 0), 6),  # Monday midnight NZST: week 6 begins
    ],
)
def test_auckland_changes_week_at_its_own_midnight_after_falling_back(instant, week):
    assert program.position(cohort("Pacific/Auckland", date(2026, 3, 2)), instant).week == week


@pytest.mark.parametrize(
    ("instant", "week"),
    [
        # St. John's springs forward on 8 March 2026 (UTC-3:30 → UTC-2:30), a half-hour zone.
        (utc(2026, 3, 9, 2, 29, 59), 2),  # Sunday 23:59:59 NDT
        (utc(2026, 3, 9, 2, 30), 3),  # Monday midnight NDT
        (utc(2026, 3, 9, 3, 0), 3),
    ],
)
def test_st_johns_changes_week_at_its_half_hour_midnight_after_springing_forward(instant, week):
    assert program.position(cohort("America/St_Johns"), instant).week == week


def test_one_instant_is_a_different_week_in_vancouver_and_auckland():
    instant = utc(2026, 3, 8, 12, 0)  # Sunday 05:00 in Vancouver, Monday 01:00 in Auckland
    assert program.position(cohort("America/Vancouver"), instant).week == 2
    assert program.position(cohort("Pacific/Auckland"), instant).week == 3
