"""The safety loop below the web layer, on a frozen clock: a flag is overdue only once its
time has passed unacknowledged, acknowledging stops the escalation, the team sees urgent
unacknowledged flags first, only administrators see every cohort's overdue flags, every step
is audited, and finishing a questionnaire twice raises nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.models import AuditEvent, QuestionnaireResponse, SafetyFlag
from app.questionnaires import safety, services

SHIPPED = ROOT / "app" / "content" / "bundles"
ESCALATE = timedelta(minutes=120)
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def raised(db, world, *, minutes_ago: int, level="urgent", person=None, cohort=None, **extra):
    flag = SafetyFlag(
        user_id=(person or world.participant).id,
        cohort_id=(cohort or world.cohort).id,
        source="questionnaire",
        level=level,
        instrument_id="phq-9",
        rule_id="phq9-item9" if level == "urgent" else "phq9-moderate",
        raised_at=NOW - timedelta(minutes=minutes_ago),
        **extra,
    )
    db.add(flag)
    db.commit()
    return flag


def actions(db, **where) -> list[str]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return [event.action for event in db.exec(query)]


def flags_of(db, person) -> list[SafetyFlag]:
    return list(db.exec(select(SafetyFlag).where(SafetyFlag.user_id == person.id)))


# --- Overdue on a frozen clock. -------------------------------------------------------------


def unsaved(raised_at: datetime, **extra) -> SafetyFlag:
    return SafetyFlag(
        user_id=1,
        cohort_id=1,
        source="support-button",
        level="urgent",
        raised_at=raised_at,
        **extra,
    )


def test_a_flag_is_not_overdue_at_119_minutes_and_is_overdue_at_121():
    flag = unsaved(NOW)
    assert not safety.is_overdue(flag, ESCALATE, now=NOW + timedelta(minutes=119))
    assert not safety.is_overdue(flag, ESCALATE, now=NOW + timedelta(minutes=120))
    assert safety.is_overdue(flag, ESCALATE, now=NOW + timedelta(minutes=121))


def test_an_acknowledged_flag_is_never_overdue_however_old():
    flag = unsaved(NOW, acknowledged_at=NOW + timedelta(minutes=200))
    assert not safety.is_overdue(flag, ESCALATE, now=NOW + timedelta(days=3))


def test_a_raised_time_read_back_without_a_zone_is_taken_as_utc():
    flag = unsaved(NOW.replace(tzinfo=None))
    assert not safety.is_overdue(flag, ESCALATE, now=NOW + timedelta(minutes=119))
    assert safety.is_overdue(flag, ESCALATE, now=NOW + timedelta(minutes=121))


def test_the_escalation_time_is_whatever_the_configuration_says():
    flag = unsaved(NOW)
    later = NOW + timedelta(minutes=31)
    assert safety.is_overdue(flag, timedelta(minutes=30), now=later)
    assert not safety.is_overdue(flag, timedelta(minutes=60), now=later)


def test_acknowledging_stops_the_escalation_of_a_flag_already_overdue(db, world):
    flag = raised(db, world, minutes_ago=121)
    assert safety.is_overdue(flag, ESCALATE, now=NOW)
    safety.acknowledge(db, world.facilitator, flag.id)
    db.refresh(flag)
    assert not safety.is_overdue(flag, ESCALATE, now=NOW)
    assert flag.acknowledged_by_id == world.facilitator.id
    [row] = safety.team_flags(db, world.medical, world.cohort.id, ESCALATE, now=NOW)
    assert row.overdue is False
    assert safety.overdue_everywhere(db, world.admin, ESCALATE, now=NOW) == []


# --- What the team sees. --------------------------------------------------------------------


def test_the_team_sees_urgent_unacknowledged_flags_first_then_the_oldest(db, world):
    review_old = raised(db, world, minutes_ago=300, level="review")
    urgent_new = raised(db, world, minutes_ago=5)
    urgent_old = raised(db, world, minutes_ago=60, person=world.same_group)
    acknowledged = raised(db, world, minutes_ago=600, acknowledged_at=NOW - timedelta(minutes=500))
    rows = safety.team_flags(db, world.facilitator, world.cohort.id, ESCALATE, now=NOW)
    assert [row.flag.id for row in rows] == [
        urgent_old.id,
        urgent_new.id,
        review_old.id,
        acknowledged.id,
    ]
    assert [row.overdue for row in rows] == [False, False, True, False]
    assert rows[0].person.id == world.same_group.id
    assert rows[0].cohort.id == world.cohort.id


def test_flags_already_followed_up_are_listed_only_when_asked_for(db, world):
    done = raised(
        db,
        world,
        minutes_ago=90,
        acknowledged_at=NOW - timedelta(minutes=80),
        followed_up_at=NOW - timedelta(minutes=10),
    )
    open_flag = raised(db, world, minutes_ago=30)
    listed = safety.team_flags(db, world.facilitator, world.cohort.id, ESCALATE, now=NOW)
    everything = safety.team_flags(
        db, world.facilitator, world.cohort.id, ESCALATE, now=NOW, include_done=True
    )
    assert [row.flag.id for row in listed] == [open_flag.id]
    assert {row.flag.id for row in everything} == {open_flag.id, done.id}


def test_the_medical_lead_sees_the_cohorts_flags_too_and_each_look_is_audited(db, world):
    flag = raised(db, world, minutes_ago=10)
    [row] = safety.team_flags(db, world.medical, world.cohort.id, ESCALATE, now=NOW)
    assert row.flag.id == flag.id
    assert actions(db, actor_id=world.medical.id) == ["viewed_safety_flags"]


@pytest.mark.parametrize("viewer", ["other_facilitator", "admin", "participant", "same_group"])
def test_nobody_outside_the_cohorts_team_gets_its_flags(db, world, viewer):
    raised(db, world, minutes_ago=500)
    assert safety.team_flags(db, getattr(world, viewer), world.cohort.id, ESCALATE, now=NOW) == []


def test_only_administrators_see_overdue_flags_across_every_cohort(db, world):
    first = raised(db, world, minutes_ago=400)
    elsewhere = raised(
        db,
        world,
        minutes_ago=200,
        person=world.people["other_cohort"],  # the participant, not the cohort of that name
        cohort=world.other_cohort,
    )
    raised(db, world, minutes_ago=100)  # not overdue yet
    raised(db, world, minutes_ago=400, acknowledged_at=NOW - timedelta(minutes=390))
    rows = safety.overdue_everywhere(db, world.admin, ESCALATE, now=NOW)
    assert [row.flag.id for row in rows] == [first.id, elsewhere.id]
    assert all(row.overdue for row in rows)
    assert [row.cohort.name for row in rows] == ["Cohort A", "Cohort B"]
    assert rows[1].person.id == world.people["other_cohort"].id
    assert "viewed_overdue_flags" in actions(db, actor_id=world.admin.id)
    for role in ("facilitator", "medical", "other_facilitator", "participant"):
        assert safety.overdue_everywhere(db, getattr(world, role), ESCALATE, now=NOW) == []


# --- Acknowledging and following up. --------------------------------------------------------


def test_acknowledging_is_audited_once_and_keeps_the_first_person_who_took_it_on(db, world):
    flag = raised(db, world, minutes_ago=10)
    safety.acknowledge(db, world.facilitator, flag.id)
    safety.acknowledge(db, world.medical, flag.id)
    db.refresh(flag)
    assert flag.acknowledged_by_id == world.facilitator.id
    assert actions(db, object_type="safety_flag", object_id=str(flag.id)) == [
        "safety_flag_acknowledged"
    ]
    assert safety.open_count(db, world.cohort.id) == 0


@pytest.mark.parametrize("viewer", ["other_facilitator", "admin", "participant"])
def test_nobody_outside_the_cohorts_team_can_acknowledge_or_follow_up(db, world, viewer):
    flag = raised(db, world, minutes_ago=10)
    with pytest.raises(safety.FlagNotFound):
        safety.acknowledge(db, getattr(world, viewer), flag.id)
    with pytest.raises(safety.FlagNotFound):
        safety.record_follow_up(db, getattr(world, viewer), flag.id, "called")
    db.refresh(flag)
    assert (flag.acknowledged_at, flag.followed_up_at) == (None, None)
    with pytest.raises(safety.FlagNotFound):
        safety.acknowledge(db, world.facilitator, 999_999)


def test_a_follow_up_acknowledges_the_flag_if_nobody_had_and_its_note_is_encrypted(db, world):
    flag = raised(db, world, minutes_ago=10)
    note = "Phoned at noon; safety plan reviewed together"
    safety.record_follow_up(db, world.medical, flag.id, f"  {note}  ")
    db.refresh(flag)
    assert flag.follow_up == note
    assert flag.acknowledged_by_id == world.medical.id
    assert flag.followed_up_at is not None
    raw = db.connection().execute(
        text("SELECT follow_up FROM safety_flag WHERE id = :id"), {"id": flag.id}
    )
    assert note not in raw.scalar_one()
    assert actions(db, object_type="safety_flag", object_id=str(flag.id)) == [
        "safety_flag_followed_up"
    ]


def test_raising_a_flag_is_audited_without_any_answer_in_it(db, world):
    flag = safety.raise_flag(
        db, world.participant, world.cohort.id, source="support-button", level="urgent"
    )
    db.commit()
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "safety_flag_raised")).all()
    assert (event.subject_id, event.cohort_id, event.object_id) == (
        world.participant.id,
        world.cohort.id,
        str(flag.id),
    )
    assert safety.open_count(db, world.cohort.id) == 1


# --- Finishing a questionnaire raises its flags once. ---------------------------------------


def answer_phq9(db, person, values: list[int]):
    library = load_library(SHIPPED)
    instrument = library.get("questionnaire", "phq-9", "en", "core").item.data
    response = services.start(db, library, person, "phq-9", "intake", "en")
    items = [i for i in instrument.items if i.id != "q10"]
    form = {i.id: [str(v)] for i, v in zip(items, values, strict=True)}
    assert services.save_page(db, response, instrument, items, form) == {}
    return response, instrument


def test_finishing_twice_raises_the_urgent_flag_once_and_completes_once(db, world):
    response, instrument = answer_phq9(db, world.participant, [1, 1, 1, 1, 1, 1, 1, 1, 1])
    first = services.finish(db, world.participant, response, instrument)
    completed_at = response.completed_at
    second = services.finish(db, world.participant, response, instrument)
    assert first.urgent and second.urgent
    assert first.score.total == second.score.total == 9
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.instrument_id, flag.rule_id, flag.response_id) == (
        "urgent",
        "phq-9",
        "phq9-item9",
        response.id,
    )
    assert response.completed_at == completed_at
    assert actions(db, subject_id=world.participant.id) == [
        "safety_flag_raised",
        "questionnaire_completed",
    ]
    assert len(db.exec(select(QuestionnaireResponse)).all()) == 1


def test_a_severe_total_with_item_9_raises_both_urgent_flags(db, world):
    response, instrument = answer_phq9(db, world.participant, [3, 3, 3, 3, 3, 3, 3, 0, 2])
    finished = services.finish(db, world.participant, response, instrument)
    assert finished.urgent
    assert {f.rule_id for f in flags_of(db, world.participant)} == {"phq9-item9", "phq9-severe"}


def test_calm_answers_finish_without_any_flag(db, world):
    response, instrument = answer_phq9(db, world.participant, [1, 0, 1, 0, 1, 0, 1, 0, 0])
    finished = services.finish(db, world.participant, response, instrument)
    assert (finished.urgent, finished.flags, finished.score.band) == (False, [], "minimal")
    assert flags_of(db, world.participant) == []


def test_answers_sent_after_finishing_change_nothing(db, world):
    response, instrument = answer_phq9(db, world.participant, [0] * 9)
    services.finish(db, world.participant, response, instrument)
    q9 = next(i for i in instrument.items if i.id == "q9")
    assert services.save_page(db, response, instrument, [q9], {"q9": ["3"]}) == {}
    answers, _seen = services.answers_of(db, response)
    assert answers["q9"] == 0
    assert services.finish(db, world.participant, response, instrument).urgent is False
    assert flags_of(db, world.participant) == []
