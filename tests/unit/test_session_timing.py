"""When the pre-session checklist is open, what fasting means on the clock, what the answers
add up to, and when the check-in after a session is open: all from given instants, across
time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.content.schemas import Checklist
from app.models import ChecklistSubmission, Cohort, MedicineSession, SafetyFlag
from app.sessions import aftercare, checklist

VANCOUVER, PARIS, AUCKLAND = "America/Vancouver", "Europe/Paris", "Pacific/Auckland"


@lru_cache(maxsize=1)
def pre_session() -> Checklist:
    library = load_library(ROOT / "app" / "content" / "bundles")
    return library.get("checklist", checklist.PRE_SESSION, "en", "core").item.data


def cohort(zone: str = VANCOUVER) -> Cohort:
    return Cohort(id=1, name="C", start_date=date(2026, 2, 23), timezone=zone)


def medicine_session(*wall_clock) -> MedicineSession:
    return MedicineSession(id=1, cohort_id=1, number=1, starts_local=datetime(*wall_clock))


def timing_of(zone: str, *wall_clock, **options) -> checklist.Timing:
    return checklist.timing(cohort(zone), medicine_session(*wall_clock), pre_session(), **options)


def wall(moment: datetime) -> datetime:
    """The wall-clock reading of an aware time, without its zone."""
    return moment.replace(tzinfo=None)


def hours(moment: datetime) -> float:
    return moment.utcoffset() / timedelta(hours=1)


def local(zone: str, *wall_clock) -> datetime:
    return datetime(*wall_clock, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def real_hours_between(earlier: datetime, later: datetime) -> float:
    return (later.astimezone(UTC) - earlier.astimezone(UTC)) / timedelta(hours=1)


# --- The window opens 48 real hours before the session and closes at its start. -------------


def test_the_window_opens_48_hours_before_on_an_ordinary_week():
    when = timing_of(VANCOUVER, 2026, 5, 13, 9, 0)
    assert wall(when.starts) == datetime(2026, 5, 13, 9, 0)
    assert wall(when.opens) == datetime(2026, 5, 11, 9, 0)
    assert real_hours_between(when.opens, when.starts) == 48


def test_in_vancouver_the_spring_forward_makes_the_window_open_at_eight_on_the_saturday():
    when = timing_of(VANCOUVER, 2026, 3, 9, 9, 0)
    assert str(when.starts.tzinfo) == VANCOUVER
    assert (wall(when.starts), hours(when.starts)) == (datetime(2026, 3, 9, 9, 0), -7)
    assert (wall(when.opens), hours(when.opens)) == (datetime(2026, 3, 7, 8, 0), -8)
    assert real_hours_between(when.opens, when.starts) == 48


def test_in_paris_the_spring_forward_makes_the_window_open_an_hour_earlier_on_the_clock():
    when = timing_of(PARIS, 2026, 3, 30, 9, 0)  # Paris springs forward on Sunday 2026-03-29
    assert (wall(when.starts), hours(when.starts)) == (datetime(2026, 3, 30, 9, 0), 2)
    assert (wall(when.opens), hours(when.opens)) == (datetime(2026, 3, 28, 8, 0), 1)
    assert real_hours_between(when.opens, when.starts) == 48


def test_in_auckland_the_autumn_fall_back_makes_the_window_open_an_hour_later_on_the_clock():
    when = timing_of(AUCKLAND, 2026, 4, 6, 9, 0)  # Auckland falls back on Sunday 2026-04-05
    assert (wall(when.starts), hours(when.starts)) == (datetime(2026, 4, 6, 9, 0), 12)
    assert (wall(when.opens), hours(when.opens)) == (datetime(2026, 4, 4, 10, 0), 13)
    assert real_hours_between(when.opens, when.starts) == 48


def test_in_toronto_the_fall_back_makes_the_window_open_at_ten_on_the_saturday():
    when = timing_of("America/Toronto", 2026, 11, 2, 9, 0)  # Toronto falls back on 2026-11-01
    assert (wall(when.starts), hours(when.starts)) == (datetime(2026, 11, 2, 9, 0), -5)
    assert (wall(when.opens), hours(when.opens)) == (datetime(2026, 10, 31, 10, 0), -4)
    assert real_hours_between(when.opens, when.starts) == 48


def test_the_same_wall_clock_session_is_a_different_instant_in_each_cohorts_zone():
    starts = {zone: timing_of(zone, 2026, 3, 9, 9, 0).starts for zone in (VANCOUVER, PARIS)}
    assert starts[VANCOUVER].astimezone(UTC) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert starts[PARIS].astimezone(UTC) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_the_window_is_open_from_its_first_minute_until_just_before_the_start():
    when = timing_of(VANCOUVER, 2026, 3, 9, 9, 0)
    minute = timedelta(minutes=1)
    assert not when.open_at(local(VANCOUVER, 2026, 3, 7, 7, 59))
    assert when.open_at(local(VANCOUVER, 2026, 3, 7, 8, 0))
    assert when.open_at(when.starts.astimezone(UTC) - minute)
    assert not when.open_at(when.starts.astimezone(UTC))
    assert not when.open_at(when.starts.astimezone(UTC) + minute)


def test_the_window_is_judged_on_the_instant_whatever_zone_now_is_given_in():
    when = timing_of(VANCOUVER, 2026, 3, 9, 9, 0)
    # 16:30 in Paris on the Saturday is 07:30 in Vancouver: not yet open.
    assert not when.open_at(datetime(2026, 3, 7, 16, 30, tzinfo=ZoneInfo(PARIS)))
    assert when.open_at(datetime(2026, 3, 7, 17, 30, tzinfo=ZoneInfo(PARIS)))


def test_how_long_before_the_window_opens_can_be_set():
    when = timing_of(VANCOUVER, 2026, 3, 9, 9, 0, open_hours=24)
    assert (wall(when.opens), hours(when.opens)) == (datetime(2026, 3, 8, 9, 0), -7)
    assert real_hours_between(when.opens, when.starts) == 24


# --- Fasting and clear fluids, counted back from the start in real hours. --------------------


def test_fasting_starts_six_hours_and_clear_fluids_stop_two_hours_before_the_start():
    when = timing_of(VANCOUVER, 2026, 5, 13, 9, 0)
    assert wall(when.fasting_from) == datetime(2026, 5, 13, 3, 0)
    assert wall(when.fluids_until) == datetime(2026, 5, 13, 7, 0)
    assert str(when.fasting_from.tzinfo) == str(when.fluids_until.tzinfo) == VANCOUVER


def test_an_early_session_has_fasting_start_the_evening_before():
    when = timing_of(VANCOUVER, 2026, 5, 13, 4, 30)
    assert wall(when.fasting_from) == datetime(2026, 5, 12, 22, 30)
    assert wall(when.fluids_until) == datetime(2026, 5, 13, 2, 30)


def test_fasting_before_a_session_on_the_morning_vancouver_springs_forward_starts_at_ten():
    when = timing_of(VANCOUVER, 2026, 3, 8, 5, 0)
    assert (wall(when.fasting_from), hours(when.fasting_from)) == (datetime(2026, 3, 7, 22, 0), -8)
    assert (wall(when.fluids_until), hours(when.fluids_until)) == (datetime(2026, 3, 8, 3, 0), -7)
    assert real_hours_between(when.fasting_from, when.starts) == 6
    assert real_hours_between(when.fluids_until, when.starts) == 2


def test_fasting_before_a_session_on_the_morning_auckland_falls_back_counts_real_hours():
    when = timing_of(AUCKLAND, 2026, 4, 5, 4, 30)
    assert (wall(when.fasting_from), hours(when.fasting_from)) == (datetime(2026, 4, 4, 23, 30), 13)
    # 02:30 happens twice that night; two real hours before 04:30 is the second one.
    assert (wall(when.fluids_until), hours(when.fluids_until)) == (datetime(2026, 4, 5, 2, 30), 12)
    assert real_hours_between(when.fasting_from, when.starts) == 6


def test_a_checklist_without_fasting_hours_has_no_fasting_times():
    bare = Checklist(
        version=1,
        items=[
            {"id": "ok", "kind": "yes_not_yet_no", "text": {"en": "OK"}, "not_yet": {"en": "."}}
        ],
    )
    when = checklist.timing(cohort(), medicine_session(2026, 5, 13, 9, 0), bare)
    assert when.fasting_from is None and when.fluids_until is None
    assert wall(when.opens) == datetime(2026, 5, 11, 9, 0)


# --- What the answers add up to. -------------------------------------------------------------


def all_yes() -> dict:
    answers = {}
    for item in pre_session().items:
        if item.kind in ("yes_not_yet_no", "yesno"):
            answers[item.id] = item.clear_answer
        elif item.kind == "ride":
            answers[item.id] = {"name": "Alex Morgan", "phone": "(604) 555-0134"}
    return answers


def test_every_yes_and_a_ride_home_is_ready_even_without_the_optional_intention():
    answers = all_yes()
    assert "intention" not in answers
    assert checklist.state_of(pre_session(), answers) == "ready"


@pytest.mark.parametrize(
    "item_id",
    [item.id for item in pre_session().items if item.safety and item.kind == "yes_not_yet_no"],
)
def test_a_no_on_any_safety_item_is_a_hard_stop(item_id):
    assert checklist.state_of(pre_session(), {**all_yes(), item_id: "no"}) == "hard_stop"


def test_a_no_on_an_item_that_is_not_about_safety_is_not_a_hard_stop():
    assert checklist.state_of(pre_session(), {**all_yes(), "clothing": "no"}) == "in_progress"


def test_a_hard_stop_wins_over_items_not_yet_done():
    answers = {"fasting": "not_yet", "medicines-reviewed": "no"}
    assert checklist.state_of(pre_session(), answers) == "hard_stop"


def test_a_not_yet_or_a_missing_ride_home_is_still_in_progress():
    assert checklist.state_of(pre_session(), {**all_yes(), "fasting": "not_yet"}) == "in_progress"
    assert checklist.state_of(pre_session(), {**all_yes(), "ride-home": None}) == "in_progress"
    assert checklist.state_of(pre_session(), {}) == "in_progress"


def ride_item():
    return next(item for item in pre_session().items if item.kind == "ride")


def test_a_ride_home_phone_is_kept_in_one_national_format():
    answer = checklist.parse(
        ride_item(), {"ride-home-name": " Alex Morgan ", "ride-home-phone": "604.555.0134"}
    )
    assert answer == {"name": "Alex Morgan", "phone": "(604) 555-0134"}


@pytest.mark.parametrize("phone", ["12345", "call me", "555-0134", ""])
def test_a_phone_number_that_is_not_one_is_refused(phone):
    with pytest.raises(checklist.AnswerProblem) as refused:
        checklist.parse(ride_item(), {"ride-home-name": "Alex Morgan", "ride-home-phone": phone})
    assert refused.value.reason == "phone"


def test_a_ride_home_without_the_drivers_name_is_refused():
    with pytest.raises(checklist.AnswerProblem) as refused:
        checklist.parse(ride_item(), {"ride-home-phone": "604-555-0134"})
    assert refused.value.reason == "ride_name"


# --- Saving is refused outside the window, and nothing is stored. ----------------------------


@pytest.fixture
def session_on_march_9(db, world):
    made = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=datetime(2026, 3, 9, 9, 0)
    )
    db.add(made)
    db.commit()
    return made


def save_all_yes(db, world, made, now):
    form = {key: value for key, value in all_yes().items() if isinstance(value, str)}
    form |= {"ride-home-name": "Alex Morgan", "ride-home-phone": "604-555-0134"}
    return checklist.save(
        db, world.participant, made, world.cohort, pre_session(), form, submit=True, now=now
    )


@pytest.mark.parametrize(
    "now",
    [
        local(VANCOUVER, 2026, 3, 7, 7, 59),  # a minute before it opens
        local(VANCOUVER, 2026, 3, 9, 9, 0),  # the session has started
        local(VANCOUVER, 2026, 3, 9, 13, 0),
    ],
    ids=["before-it-opens", "at-the-start", "after-the-start"],
)
def test_a_checklist_outside_its_window_is_refused_and_nothing_is_stored(
    db, world, session_on_march_9, now
):
    with pytest.raises(checklist.ChecklistClosed):
        save_all_yes(db, world, session_on_march_9, now)
    assert db.exec(select(ChecklistSubmission)).all() == []


def test_a_checklist_saved_on_its_first_open_minute_is_kept_as_ready(db, world, session_on_march_9):
    opening = local(VANCOUVER, 2026, 3, 7, 8, 0)
    record, problems = save_all_yes(db, world, session_on_march_9, opening)
    assert problems == {}
    assert (record.state, record.submitted_at) == ("ready", opening)


def test_a_hard_stop_raises_one_urgent_flag_however_often_it_is_sent_again(
    db, world, session_on_march_9
):
    form = {"fasting": "yes", "medicines-reviewed": "no"}
    for minutes in (0, 5, 30):
        now = local(VANCOUVER, 2026, 3, 8, 20, minutes)
        record, _problems = checklist.save(
            db,
            world.participant,
            session_on_march_9,
            world.cohort,
            pre_session(),
            form,
            submit=True,
            now=now,
        )
        assert record.state == "hard_stop"
    flags = db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id)).all()
    assert [(f.level, f.source, f.rule_id) for f in flags] == [
        ("urgent", "checklist", "session-1:medicines-reviewed")
    ]


# --- The check-in after a session: the evening of the day and the next morning. -------------


@pytest.mark.parametrize(
    ("wall_clock", "expected"),
    [
        ((2026, 5, 13, 8, 0), None),  # before the session
        ((2026, 5, 13, 12, 0), None),  # during the session
        ((2026, 5, 13, 16, 59), None),
        ((2026, 5, 13, 17, 0), "evening"),
        ((2026, 5, 13, 23, 59), "evening"),
        ((2026, 5, 14, 0, 0), "morning"),
        ((2026, 5, 14, 11, 59), "morning"),
        ((2026, 5, 14, 12, 0), None),
        ((2026, 5, 14, 18, 0), None),
        ((2026, 5, 15, 9, 0), None),
        ((2026, 5, 12, 18, 0), None),  # the evening before
    ],
)
def test_the_check_in_is_open_the_evening_of_the_session_and_the_next_morning_until_noon(
    wall_clock, expected
):
    made = medicine_session(2026, 5, 13, 9, 0)
    assert aftercare.moment(cohort(), made, local(VANCOUVER, *wall_clock)) == expected


def test_the_check_in_is_judged_on_the_cohorts_clock_not_on_utc():
    made = medicine_session(2026, 5, 13, 9, 0)
    # 01:00 UTC on the 14th is 18:00 on the 13th in Vancouver and 03:00 on the 14th in Paris.
    now = datetime(2026, 5, 14, 1, 0, tzinfo=UTC)
    assert aftercare.moment(cohort(VANCOUVER), made, now) == "evening"
    assert aftercare.moment(cohort(PARIS), made, now) == "morning"
    assert aftercare.moment(cohort(AUCKLAND), made, now) is None  # 13:00 on the 14th


def test_the_check_in_after_a_session_on_the_spring_forward_day_opens_at_five_local():
    made = medicine_session(2026, 3, 8, 10, 0)
    assert aftercare.moment(cohort(), made, datetime(2026, 3, 8, 23, 59, tzinfo=UTC)) is None
    assert aftercare.moment(cohort(), made, datetime(2026, 3, 9, 0, 0, tzinfo=UTC)) == "evening"
    assert aftercare.moment(cohort(), made, datetime(2026, 3, 9, 18, 59, tzinfo=UTC)) == "morning"
    assert aftercare.moment(cohort(), made, datetime(2026, 3, 9, 19, 0, tzinfo=UTC)) is None
