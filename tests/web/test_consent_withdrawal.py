"""Any consent on file can be withdrawn in the app, after a page that says plainly what
happens to the person's data and to their part in the program. Withdrawing deletes nothing
(closing the account is where data can be deleted); it is audited, and the team is told of
every withdrawal but the research one, whose only effect is on the evaluation exports."""

from __future__ import annotations

import html

import pytest
from sqlmodel import select

from app.models import AuditEvent, ConsentRecord, SafetyFlag
from app.sessions import consent
from tests.conftest import post, sign_in

NAME = "Rowan Quill-Ashby"
DOCUMENTS = ("treatment", "confidentiality", "touch", "sharing", "research")


@pytest.fixture
def client(app, world):
    signed_in = app.test_client()
    sign_in(signed_in, world.participant)
    return signed_in


def sign_every_consent(client) -> None:
    for document_id in DOCUMENTS:
        choice = {"choice": "yes"} if document_id in ("touch", "research") else {}
        response = post(client, f"/consent/{document_id}", {"signed_name": NAME, **choice})
        assert response.status_code == 303, document_id


def page(client, url: str, locale: str | None = None) -> str:
    if locale:
        post(client, "/language", {"locale": locale})
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def ready_for_a_session(app, db, world) -> bool:
    db.expire_all()
    library = app.extensions["tend_content"]
    return consent.has_session_consents(db, library, world.participant, world.cohort)


def latest(db, world, document_id: str) -> ConsentRecord:
    db.expire_all()
    return consent.current_records(db, world.participant, world.cohort.id)[document_id]


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_every_consent_on_file_offers_withdraw_with_a_confirmation_page(client, locale):
    sign_every_consent(client)
    listing = page(client, "/consent", locale)
    for document_id in DOCUMENTS:
        assert f'href="/consent/{document_id}/withdraw"' in listing, document_id
    confirm = page(client, "/consent/treatment/withdraw", locale)
    said = {
        "en": ("Your team is told", "medicine session", "Nothing is deleted", "Withdraw"),
        "fr_CA": ("Votre équipe en est informée", "séance de kétamine", "Rien n’est supprimé"),
    }[locale]
    for words in said:
        assert words in confirm, words
    assert 'href="/account/close"' in confirm
    assert 'action="/consent/treatment/withdraw"' in confirm


def test_the_research_page_says_the_scores_leave_later_exports(client):
    sign_every_consent(client)
    confirm = page(client, "/consent/research/withdraw")
    assert "exports" in confirm and "Your team is told" not in confirm


def test_withdrawing_treatment_consent_tells_the_team_and_ends_readiness(app, db, world, client):
    sign_every_consent(client)
    assert ready_for_a_session(app, db, world)
    rows_before = set(db.exec(select(ConsentRecord.id)).all())

    done = post(client, "/consent/treatment/withdraw")
    assert done.status_code == 303
    assert "Withdrawn. This takes effect from now on." in page(client, done.location)

    assert latest(db, world, "treatment").withdrawn_at is not None
    assert set(db.exec(select(ConsentRecord.id)).all()) == rows_before  # nothing deleted
    assert not ready_for_a_session(app, db, world)
    [told] = db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id)).all()
    assert (told.source, told.level, told.rule_id) == ("consent", "review", "treatment")
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_id == "treatment")).all()
    assert "consent_withdrawn" in actions


def test_the_team_sees_what_the_flag_means(app, db, world, client):
    sign_every_consent(client)
    post(client, "/consent/treatment/withdraw")
    team = app.test_client()
    sign_in(team, world.medical)
    flags = page(team, f"/team/cohorts/{world.cohort.id}/flags")
    assert "Consent withdrawn: Taking part in the program and its ketamine sessions" in flags


def test_withdrawing_research_consent_takes_the_person_out_of_exports_without_a_flag(
    db, world, client
):
    sign_every_consent(client)
    assert consent.research_consent(db, world.participant.id)
    post(client, "/consent/research/withdraw")
    db.expire_all()
    assert not consent.research_consent(db, world.participant.id)
    assert db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id)).all() == []


def test_withdrawing_twice_says_so_kindly_and_tells_the_team_once(db, world, client):
    sign_every_consent(client)
    post(client, "/consent/touch/withdraw")
    again = post(client, "/consent/touch/withdraw")
    assert again.status_code == 303
    assert "There is nothing on file to withdraw" in page(client, again.location)
    flags = db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id)).all()
    assert len(flags) == 1


def test_nothing_on_file_or_no_such_consent(client):
    missing = client.get("/consent/research/withdraw")
    assert missing.status_code == 303
    assert "There is nothing on file to withdraw" in page(client, missing.location)
    assert client.get("/consent/no-such-thing/withdraw").status_code == 404


def test_signing_again_after_withdrawing_puts_the_consent_back_on_file(app, db, world, client):
    sign_every_consent(client)
    post(client, "/consent/treatment/withdraw")
    post(client, "/consent/treatment", {"signed_name": NAME})
    db.expire_all()
    assert ready_for_a_session(app, db, world)
