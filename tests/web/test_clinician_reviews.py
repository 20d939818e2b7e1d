"""The medical team's review before a medicine session: recorded by a person (who, when, the
outcome they chose, an encrypted note), shown on the readiness board, and, where the bundle asks
for it (the default), nobody is Ready until a clinician chose "proceed"."""

from __future__ import annotations

import html
import shutil

import pytest
import yaml
from sqlalchemy import text
from sqlmodel import select

from app.content import load_library
from app.models import AuditEvent, ClinicianReview
from app.sessions import readiness, reviews
from tests.conftest import post, sign_in
from tests.web.test_readiness_board import (
    SHIPPED,
    answer,
    arranged,  # noqa: F401  (fixture)
    board_url,
    finish_intake,
    library,
    made,  # noqa: F401  (fixture)
    open_board,
    rows,
    sign,
)

NOTE = "Blood pressure 128/82 today, spoke with the family doctor"


def review_url(world, session, person) -> str:
    return f"/team/cohorts/{world.cohort.id}/sessions/{session.id}/reviews/{person.id}"


def states(app, world, session, viewer=None) -> dict[str, tuple[str, str]]:
    page = open_board(app, viewer or world.medical, board_url(world, session))
    return {name: (state, rest) for name, state, rest in rows(page.get_data(as_text=True))}


@pytest.fixture
def ready_checklist(db, world, made):  # noqa: F811
    sign(db, world, world.participant, "treatment", "confidentiality")
    finish_intake(db, world, world.participant)
    answer(db, world, world.participant, made)
    return made


# --- Ready only after a clinician's "proceed". -----------------------------------------------


def test_a_finished_checklist_waits_for_the_clinicians_review_before_ready(
    app, world, ready_checklist
):
    state, rest = states(app, world, ready_checklist)["Participant"]
    assert state == "awaiting_review"
    assert "Checklist done" in rest and "Not reviewed yet" in rest
    assert "status--ready" not in rest


def test_a_medical_reviewer_records_proceed_and_the_board_says_ready(
    app, db, world, ready_checklist
):
    client = app.test_client()
    sign_in(client, world.medical)
    page = client.get(review_url(world, ready_checklist, world.participant))
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    assert "Participant" in body and "Proceed" in body and "Not this session" in body
    response = post(
        client,
        review_url(world, ready_checklist, world.participant),
        {"outcome": "proceed", "note": NOTE},
    )
    assert response.status_code == 303
    assert response.location.endswith(board_url(world, ready_checklist))
    state, rest = states(app, world, ready_checklist)["Participant"]
    assert state == "ready"
    assert "status--ready" in rest and "Proceed" in rest and "Medical" in rest
    assert NOTE not in rest  # the note stays on the review page


@pytest.mark.parametrize(
    ("outcome", "label"), [("hold", "Hold"), ("not_this_session", "Not this session")]
)
def test_hold_or_not_this_session_is_shown_and_is_never_ready(
    app, world, ready_checklist, outcome, label
):
    client = app.test_client()
    sign_in(client, world.medical)
    post(client, review_url(world, ready_checklist, world.participant), {"outcome": outcome})
    state, rest = states(app, world, ready_checklist)["Participant"]
    assert state == "awaiting_review"
    assert label in rest and "status--ready" not in rest


def test_a_later_review_replaces_the_earlier_one_on_the_board_and_both_stay_on_record(
    app, db, world, ready_checklist
):
    client = app.test_client()
    sign_in(client, world.medical)
    url = review_url(world, ready_checklist, world.participant)
    post(client, url, {"outcome": "hold", "note": "first look"})
    post(client, url, {"outcome": "proceed"})
    assert states(app, world, ready_checklist)["Participant"][0] == "ready"
    kept = db.exec(select(ClinicianReview).order_by(ClinicianReview.id)).all()
    assert [r.outcome for r in kept] == ["hold", "proceed"]
    history = html.unescape(client.get(url).get_data(as_text=True))
    assert history.index("Proceed") < history.index("Hold") and "first look" in history


def test_a_review_without_a_finished_checklist_is_recorded_but_the_checklist_still_counts(
    app,
    world,
    made,  # noqa: F811
):
    client = app.test_client()
    sign_in(client, world.medical)
    post(client, review_url(world, made, world.other_group), {"outcome": "proceed"})
    state, rest = states(app, world, made)["Other Group"]
    assert state == "not_started" and "Proceed" in rest


def test_a_bundle_that_does_not_ask_for_a_review_is_ready_on_the_checklist_alone(
    db, world, ready_checklist, tmp_path
):
    shutil.copytree(SHIPPED, tmp_path / "bundles")
    manifest = tmp_path / "bundles" / "core" / "bundle.yaml"
    meta = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    assert meta.get("clinician_review_before_ready", True) is True  # on by default
    meta["clinician_review_before_ready"] = False
    manifest.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    relaxed = load_library(tmp_path / "bundles")
    found = readiness.board(db, relaxed, world.medical, world.cohort, ready_checklist)
    assert {r.person.display_name: r.status for r in found}["Participant"] == "ready"
    strict = readiness.board(db, library(), world.medical, world.cohort, ready_checklist)
    assert {r.person.display_name: r.status for r in strict}["Participant"] == "awaiting_review"


# --- The record: encrypted, audited, kind to mistakes. ---------------------------------------


def test_the_note_is_encrypted_at_rest_and_the_audit_holds_no_content(
    app, db, world, ready_checklist
):
    client = app.test_client()
    sign_in(client, world.medical)
    url = review_url(world, ready_checklist, world.participant)
    post(client, url, {"outcome": "proceed", "note": NOTE})
    stored = db.exec(text("SELECT note, outcome, reviewer_id FROM clinician_review")).one()
    assert NOTE not in str(stored[0]) and stored[1] == "proceed"
    assert stored[2] == world.medical.id
    client.get(url)
    events = db.exec(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["recorded_clinician_review", "viewed_clinician_reviews"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.subject_id) for e in events] == [
        ("recorded_clinician_review", world.medical.id, world.participant.id),
        ("viewed_clinician_reviews", world.medical.id, world.participant.id),
    ]
    assert all(NOTE not in repr(e.model_dump()) for e in events)


def test_no_outcome_chosen_is_refused_kindly_and_the_note_is_kept(app, db, world, ready_checklist):
    client = app.test_client()
    sign_in(client, world.medical)
    response = post(client, review_url(world, ready_checklist, world.participant), {"note": NOTE})
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "Please choose an outcome." in body and NOTE in body
    bogus = post(
        client,
        review_url(world, ready_checklist, world.participant),
        {"outcome": "maybe", "note": NOTE},
    )
    assert bogus.status_code == 422
    assert db.exec(select(ClinicianReview)).all() == []


def test_the_review_page_speaks_french(app, world, ready_checklist):
    client = app.test_client()
    sign_in(client, world.medical)
    post(client, "/language", {"locale": "fr_CA"})
    body = html.unescape(
        client.get(review_url(world, ready_checklist, world.participant)).get_data(as_text=True)
    )
    assert "Poursuivre" in body and "Pas pour cette séance" in body


# --- Who records, who sees. ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "participant", "admin", "other_facilitator"])
def test_only_the_cohorts_medical_team_records_reviews(app, db, world, ready_checklist, who):
    client = app.test_client()
    sign_in(client, getattr(world, who))
    url = review_url(world, ready_checklist, world.participant)
    assert client.get(url).status_code == 403
    assert post(client, url, {"outcome": "proceed"}).status_code == 403
    assert db.exec(select(ClinicianReview)).all() == []


def test_a_facilitator_sees_the_outcome_on_the_board_but_never_the_note(
    app, db, world, ready_checklist
):
    reviews.record(
        db, world.medical, world.cohort, ready_checklist, world.participant, "hold", NOTE
    )
    page = open_board(app, world.facilitator, board_url(world, ready_checklist))
    body = html.unescape(page.get_data(as_text=True))
    assert "Hold" in body and NOTE not in body
    assert "/reviews/" not in body  # no link to record one


def test_someone_who_is_not_a_participant_of_the_cohort_is_not_found(app, world, ready_checklist):
    client = app.test_client()
    sign_in(client, world.medical)
    for person in (world.people["other_cohort"], world.facilitator):
        assert client.get(review_url(world, ready_checklist, person)).status_code == 404
