"""The team can open a questionnaire outside the schedule; responses stamp the bundle version."""

from sqlmodel import select

from app.models import AuditEvent, ExtraAdministration, QuestionnaireResponse
from tests.conftest import post, sign_in


def test_a_facilitator_opens_an_extra_check_in_that_participants_can_answer(app, db, world):
    team = app.test_client()
    sign_in(team, world.facilitator)
    answer = post(
        team,
        f"/team/cohorts/{world.cohort.id}/extra-administration",
        {"instrument": "gad-7", "days": "7"},
    )
    assert answer.status_code == 303
    extra = db.exec(select(ExtraAdministration)).one()
    assert (extra.instrument_id, (extra.closes_on - extra.opens_on).days) == ("gad-7", 7)
    assert db.exec(
        select(AuditEvent).where(AuditEvent.action == "extra_administration_opened")
    ).first()

    person = app.test_client()
    sign_in(person, world.participant)
    started = post(
        person, "/check-ins/start", {"instrument": "gad-7", "administration": f"extra-{extra.id}"}
    )
    assert started.status_code == 303
    response = db.exec(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.administration == f"extra-{extra.id}"
        )
    ).one()
    assert (response.user_id, response.bundle_version) == (world.participant.id, 1)


def test_an_extra_check_in_for_an_unknown_instrument_or_too_long_is_refused(app, db, world):
    team = app.test_client()
    sign_in(team, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/extra-administration"
    assert post(team, url, {"instrument": "not-real", "days": "7"}).status_code == 303
    assert post(team, url, {"instrument": "gad-7", "days": "90"}).status_code == 303
    assert db.exec(select(ExtraAdministration)).first() is None


def test_a_participant_cannot_start_an_extra_check_in_that_was_never_opened(app, world):
    person = app.test_client()
    sign_in(person, world.participant)
    answer = post(person, "/check-ins/start", {"instrument": "gad-7", "administration": "extra-99"})
    assert answer.status_code == 404
