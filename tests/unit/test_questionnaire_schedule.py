"""When each questionnaire is open, on the cohort's own calendar: intake from enrolment until
the end window, the end from week 12 to two weeks after, follow-ups at one and six months,
with every day boundary drawn at midnight in the cohort's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.models import Cohort, Membership, QuestionnaireResponse
from app.program import local_today
from app.questionnaires import schedule, services
from app.questionnaires.schedule import INTAKE, OUTCOMES

SHIPPED = ROOT / "app" / "content" / "bundles"
START = date(2026, 1, 5)  # a Monday; week 12 begins on 2026-03-23, the program ends 2026-03-29
ZONES = ("America/Vancouver", "Pacific/Auckland")


def cohort(timezone: str = "America/Vancouver", start: date = START) -> Cohort:
    return Cohort(id=1, name="Cohort", start_date=start, timezone=timezone)


def member(joined: datetime) -> Membership:
    return Membership(user_id=1, cohort_id=1, joined_at=joined)


def local(timezone: str, day: date, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given by the wall clock in that zone, as a UTC time (as the server has it)."""
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(timezone))
    return wall.astimezone(UTC)


def open_at(timezone: str, now: datetime, joined: datetime | None = None) -> list[str]:
    joined = joined or datetime(2025, 12, 20, 18, 0, tzinfo=UTC)
    return [w.administration for w in schedule.open_windows(cohort(timezone), member(joined), now)]


def window(administration: str, enrolled: date = date(2025, 12, 20)) -> schedule.Window:
    return next(
        w for w in schedule.windows(cohort(), enrolled) if w.administration == administration
    )


# --- The windows on the calendar. -----------------------------------------------------------


def test_intake_opens_on_the_day_of_enrolment_and_closes_when_week_12_begins():
    intake = window("intake", enrolled=date(2025, 12, 20))
    assert (intake.opens, intake.closes) == (date(2025, 12, 20), date(2026, 3, 23))
    assert intake.instruments == INTAKE


def test_intake_for_someone_who_joins_after_the_start_is_open_from_the_start():
    intake = window("intake", enrolled=date(2026, 1, 14))
    assert intake.opens == START


def test_intake_is_still_open_in_week_3_a_late_baseline_being_better_than_none():
    week_3 = START + timedelta(days=14)
    assert window("intake").open_on(week_3)
    assert window("intake").open_on(date(2026, 3, 22))  # the last day of week 11
    assert not window("intake").open_on(date(2026, 3, 23))


# --- The baseline closes at the first medicine session. --------------------------------------

FIRST_SESSION = date(2026, 2, 7)  # a Saturday in week 5


def test_with_a_first_session_set_the_intake_closes_on_its_day():
    intake = next(
        w
        for w in schedule.windows(cohort(), date(2025, 12, 20), FIRST_SESSION)
        if w.administration == "intake"
    )
    assert intake.open_on(FIRST_SESSION - timedelta(days=1))
    assert not intake.open_on(FIRST_SESSION)
    assert not intake.open_on(date(2026, 3, 22))


def test_a_bundle_that_says_end_window_keeps_the_intake_open_until_week_12():
    found = schedule.windows(cohort(), date(2025, 12, 20), FIRST_SESSION, "end_window")
    intake = next(w for w in found if w.administration == "intake")
    assert intake.closes == date(2026, 3, 23)


def test_someone_who_joins_after_the_first_session_still_gets_an_intake_and_it_is_late():
    joined = FIRST_SESSION + timedelta(days=3)
    found = schedule.windows(cohort(), joined, FIRST_SESSION)
    intake = next(w for w in found if w.administration == "intake")
    assert intake.open_on(joined) and intake.closes == date(2026, 3, 23)
    assert schedule.is_late_baseline("intake", joined, FIRST_SESSION)
    assert not schedule.is_late_baseline("intake", FIRST_SESSION - timedelta(days=1), FIRST_SESSION)
    assert not schedule.is_late_baseline("end", joined, FIRST_SESSION)
    assert not schedule.is_late_baseline("intake", joined, None)


def test_the_shipped_bundle_closes_the_baseline_at_the_first_session():
    assert load_library(SHIPPED).bundle("core").meta.baseline_closes == "first_session"


def test_the_end_window_runs_from_week_12_to_two_weeks_after_the_program():
    end = window("end")
    assert end.instruments == OUTCOMES
    assert not end.open_on(date(2026, 3, 22))
    assert end.open_on(date(2026, 3, 23))  # first day of week 12
    assert end.open_on(date(2026, 3, 29))  # last day of the program
    assert end.open_on(date(2026, 4, 12))  # two weeks after it
    assert not end.open_on(date(2026, 4, 13))


@pytest.mark.parametrize(
    ("administration", "first", "last"),
    [
        ("follow-up-1m", date(2026, 4, 20), date(2026, 5, 10)),
        ("follow-up-6m", date(2026, 9, 14), date(2026, 10, 11)),
    ],
)
def test_follow_ups_sit_around_one_and_six_months_after_the_end(administration, first, last):
    follow_up = window(administration)
    assert follow_up.instruments == OUTCOMES
    assert not follow_up.open_on(first - timedelta(days=1))
    assert follow_up.open_on(first)
    assert follow_up.open_on(last)
    assert not follow_up.open_on(last + timedelta(days=1))


def test_the_windows_never_overlap_so_one_answer_has_one_administration():
    ordered = schedule.windows(cohort(), date(2025, 12, 20))
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before.closes <= after.opens


def test_nothing_is_open_between_the_end_window_and_the_first_follow_up():
    assert open_at("America/Vancouver", local("America/Vancouver", date(2026, 4, 15), 12)) == []


def test_a_longer_program_moves_every_window_with_its_last_week():
    longer = Cohort(id=1, name="Long", start_date=START, timezone="America/Vancouver", weeks=16)
    end = next(w for w in schedule.windows(longer, START) if w.administration == "end")
    assert end.opens == START + timedelta(weeks=15)


# --- Time zones. ----------------------------------------------------------------------------


@pytest.mark.parametrize("timezone", ZONES)
def test_the_end_window_opens_at_midnight_in_the_cohorts_own_time_zone(timezone):
    midnight = local(timezone, date(2026, 3, 23))
    assert open_at(timezone, midnight - timedelta(minutes=1)) == ["intake"]
    assert open_at(timezone, midnight) == ["end"]


@pytest.mark.parametrize("timezone", ZONES)
def test_the_end_window_closes_at_midnight_in_the_cohorts_own_time_zone(timezone):
    midnight = local(timezone, date(2026, 4, 13))
    assert open_at(timezone, midnight - timedelta(minutes=1)) == ["end"]
    assert open_at(timezone, midnight) == []


def test_at_one_instant_auckland_is_in_the_end_window_while_vancouver_is_still_in_intake():
    # 20:00 UTC on 22 March: 13:00 on the 22nd in Vancouver, 09:00 on the 23rd in Auckland.
    now = datetime(2026, 3, 22, 20, 0, tzinfo=UTC)
    assert open_at("America/Vancouver", now) == ["intake"]
    assert open_at("Pacific/Auckland", now) == ["end"]


def test_the_day_of_enrolment_is_the_day_on_the_cohorts_clock_not_in_utc():
    # 05:00 UTC on 1 January is still New Year's Eve in Vancouver, and already the evening
    # of New Year's Day in Auckland.
    joined = datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    assert schedule.enrolled_on(cohort("America/Vancouver"), member(joined)) == date(2025, 12, 31)
    assert schedule.enrolled_on(cohort("Pacific/Auckland"), member(joined)) == date(2026, 1, 1)
    new_years_eve = local("America/Vancouver", date(2025, 12, 31), 22)
    assert open_at("America/Vancouver", new_years_eve, joined) == ["intake"]
    assert (
        open_at("Pacific/Auckland", local("Pacific/Auckland", date(2025, 12, 31), 22), joined) == []
    )


def test_a_joined_time_read_back_without_a_zone_is_taken_as_utc():
    naive = datetime(2026, 1, 1, 5, 0)
    assert schedule.enrolled_on(cohort("America/Vancouver"), member(naive)) == date(2025, 12, 31)


# --- What a participant is offered, from the database. --------------------------------------


def library():
    return load_library(SHIPPED)


def days_into_program(world, days: int) -> datetime:
    """Noon in Vancouver, `days` days after the world's cohort started."""
    return local("America/Vancouver", world.cohort.start_date + timedelta(days=days), 12)


def test_in_week_3_every_intake_questionnaire_is_due_and_none_is_started(db, world):
    assert local_today(world.cohort) == world.cohort.start_date + timedelta(days=16)
    due = services.due(db, library(), world.participant, "en")
    # In the order of what is needed next (see test_check_in_flow), so compared as a set.
    assert sorted((d.administration, d.instrument_id, d.state) for d in due) == sorted(
        ("intake", instrument_id, "not_started") for instrument_id in INTAKE
    )
    titles = {d.instrument_id: d.title for d in due}
    # The plain title, in the participant's words (the instrument's name is in small print).
    assert titles["phq-9"] == "How your mood has been"


def test_due_questionnaires_carry_their_titles_in_the_participants_language(db, world):
    due = services.due(db, library(), world.participant, "fr_CA")
    titles = {d.instrument_id: d.title for d in due}
    assert titles["phq-9"] == "Votre humeur ces derniers temps"


def test_in_week_12_the_end_questionnaires_are_due_and_intake_is_closed(db, world):
    week_12 = days_into_program(world, 77)
    due = services.due(db, library(), world.participant, "en", now=week_12)
    assert {(d.administration, d.instrument_id) for d in due} == {
        ("end", instrument_id) for instrument_id in OUTCOMES
    }
    with pytest.raises(services.NotDue):
        services.start(db, library(), world.participant, "phq-9", "intake", "en", now=week_12)


def test_the_end_questionnaire_cannot_be_started_in_week_3(db, world):
    with pytest.raises(services.NotDue):
        services.start(db, library(), world.participant, "phq-9", "end", "en")
    with pytest.raises(services.NotDue):
        services.start(db, library(), world.participant, "not-an-instrument", "intake", "en")


def test_a_started_questionnaire_shows_as_in_progress_and_resumes_the_same_response(db, world):
    first = services.start(db, library(), world.participant, "gad-7", "intake", "en")
    again = services.start(db, library(), world.participant, "gad-7", "intake", "en")
    assert first.id == again.id
    assert (first.instrument_version, first.locale, first.bundle_id) == (1, "en", "core")
    due = {d.instrument_id: d.state for d in services.due(db, library(), world.participant, "en")}
    assert due["gad-7"] == "in_progress"
    assert due["phq-9"] == "not_started"


def test_staff_have_no_questionnaires_due_and_cannot_start_one(db, world):
    assert services.due(db, library(), world.facilitator, "en") == []
    with pytest.raises(services.NotDue):
        services.start(db, library(), world.facilitator, "phq-9", "intake", "en")
    assert db.exec(select(QuestionnaireResponse)).all() == []
