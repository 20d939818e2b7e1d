"""The readiness board for a medicine session: what each role sees, who is on top, the consents
it needs on file, its htmx refresh, its audit trail, and who may open it at all."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.models import AuditEvent, MedicineSession, QuestionnaireResponse, SafetyFlag, utcnow
from app.sessions import checklist, consent, readiness, reviews
from tests.conftest import sign_in

SHIPPED = ROOT / "app" / "content" / "bundles"
DRIVER, DRIVER_PHONE = "Alex Morgan", "604-555-0134"
ROW = re.compile(
    r'<tr class="board__row board__row--(\w+)">\s*<th scope="row"><bdi>([^<]+)</bdi>(.*?)</tr>',
    re.S,
)


@lru_cache(maxsize=1)
def library():
    return load_library(SHIPPED)


def pre_session():
    return library().get("checklist", checklist.PRE_SESSION, "en", "core").item.data


def sign(db, world, person, *document_ids):
    for document_id in document_ids:
        resolved = library().get("consent", document_id, "en", "core")
        choices = resolved.item.data.choices
        consent.sign(
            db, person, world.cohort.id, resolved, choices[0].id if choices else None, "A Name"
        )


def answer(db, world, person, made, **changes):
    """The person's checklist, every item yes and a ride home, with some answers changed."""
    form = {}
    for item in pre_session().items:
        if item.kind in ("yes_not_yet_no", "yesno"):
            form[item.id] = item.clear_answer
        elif item.kind == "ride":
            form |= {f"{item.id}-name": DRIVER, f"{item.id}-phone": DRIVER_PHONE}
    form |= changes
    record, problems = checklist.save(
        db, person, made, world.cohort, pre_session(), form, submit=True
    )
    assert problems == {}
    return record


def finish_intake(db, world, person):
    """The person's medical intake, finished."""
    db.add(
        QuestionnaireResponse(
            user_id=person.id,
            cohort_id=world.cohort.id,
            instrument_id="medical-intake",
            instrument_version=1,
            administration="intake",
            locale="en",
            bundle_id="core",
            completed_at=utcnow(),
        )
    )
    db.commit()


@pytest.fixture
def made(db, world):
    """Session 1 of the world's cohort, in 30 hours: its checklist is open."""
    now = datetime.now(ZoneInfo(world.cohort.timezone)).replace(tzinfo=None, microsecond=0)
    session = MedicineSession(
        cohort_id=world.cohort.id, number=1, starts_local=now + timedelta(hours=30)
    )
    db.add(session)
    db.commit()
    return session


@pytest.fixture
def arranged(db, world, made):
    """Participant: ready with consents and intake. Same Group: a hard stop with consents and
    intake. Other Group: no consents, no intake and no checklist."""
    for person in (world.participant, world.same_group):
        sign(db, world, person, "treatment", "confidentiality")
        finish_intake(db, world, person)
    answer(db, world, world.participant, made)
    answer(db, world, world.same_group, made, **{"medicines-reviewed": "no"})
    proceed(db, world, made, world.participant)
    return made


def proceed(db, world, made, person):
    """The medical team's "proceed", without which nobody is Ready (see test_clinician_reviews)."""
    reviews.record(db, world.medical, world.cohort, made, person, "proceed", None)


def board_url(world, made, cohort=None) -> str:
    return f"/team/cohorts/{(cohort or world.cohort).id}/sessions/{made.id}/board"


def open_board(app, person, url, **headers):
    client = app.test_client()
    sign_in(client, person)
    return client.get(url, headers=headers)


def rows(page: str) -> list[tuple[str, str, str]]:
    """(participant, checklist state, the rest of the row) in the order shown."""
    return [(name.strip(), state, rest) for state, name, rest in ROW.findall(html.unescape(page))]


def viewed(db) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == "viewed_readiness_board")
    return list(db.exec(query.order_by(AuditEvent.id)))


# --- Contents per role. ----------------------------------------------------------------------


def test_the_medical_lead_sees_the_ride_home_name_and_phone(app, world, arranged):
    response = open_board(app, world.medical, board_url(world, arranged))
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Ride home" in page
    ready = dict((name, rest) for name, _state, rest in rows(page))["Participant"]
    assert DRIVER in ready
    assert 'href="tel:(604) 555-0134"' in ready


def test_a_facilitator_sees_readiness_but_never_the_ride_home_contact(app, world, arranged):
    response = open_board(app, world.facilitator, board_url(world, arranged))
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert [state for _name, state, _rest in rows(page)].count("ready") == 1
    assert "Ride home" not in page
    assert DRIVER not in page and "555-0134" not in page


def test_the_ride_home_is_left_out_of_the_facilitators_rows_not_only_hidden(db, world, arranged):
    def rides(viewer):
        found = readiness.board(db, library(), viewer, world.cohort, arranged)
        return {row.person.display_name: row.ride for row in found}

    assert rides(world.facilitator) == {
        "Participant": None,
        "Same Group": None,
        "Other Group": None,
    }
    assert rides(world.medical)["Participant"] == {"name": DRIVER, "phone": "(604) 555-0134"}


def test_the_board_lists_every_participant_of_the_cohort_and_nobody_else(app, world, arranged):
    page = open_board(app, world.facilitator, board_url(world, arranged)).get_data(as_text=True)
    assert sorted(name for name, _state, _rest in rows(page)) == [
        "Other Group",
        "Participant",
        "Same Group",
    ]
    for staff in ("Facilitator", "Medical", "Other Cohort"):
        assert f'<th scope="row"><bdi>{staff}' not in page


def test_who_needs_attention_is_on_top_hard_stop_first_and_ready_last(app, world, arranged):
    page = open_board(app, world.medical, board_url(world, arranged)).get_data(as_text=True)
    shown = rows(page)
    assert [(name, state) for name, state, _rest in shown] == [
        ("Same Group", "hard_stop"),
        ("Other Group", "not_started"),
        ("Participant", "ready"),
    ]
    hard_stop, missing, ready = (rest for _name, _state, rest in shown)
    assert "Hard stop: nurse to call" in hard_stop and "· not acknowledged" in hard_stop
    assert "Missing" in missing and "Not started" in missing and "Not done" in missing
    assert "On file" in ready and "Ready" in ready and "None open" in ready


def test_among_people_with_consents_on_file_not_started_comes_before_in_progress_and_ready(
    app, db, world, made
):
    for person in (world.participant, world.same_group, world.other_group):
        sign(db, world, person, "treatment", "confidentiality")
        finish_intake(db, world, person)
    answer(db, world, world.participant, made)
    proceed(db, world, made, world.participant)
    answer(db, world, world.same_group, made, fasting="not_yet")
    page = open_board(app, world.facilitator, board_url(world, made)).get_data(as_text=True)
    assert [(name, state) for name, state, _rest in rows(page)] == [
        ("Other Group", "not_started"),
        ("Same Group", "in_progress"),
        ("Participant", "ready"),
    ]


def test_an_acknowledged_hard_stop_still_comes_first(app, db, world, arranged):
    [flag] = db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.same_group.id))
    flag.acknowledged_at, flag.acknowledged_by_id = utcnow(), world.medical.id
    db.add(flag)
    db.commit()
    page = open_board(app, world.medical, board_url(world, arranged)).get_data(as_text=True)
    assert [name for name, _state, _rest in rows(page)][0] == "Same Group"


def test_consents_show_on_file_only_with_both_treatment_and_confidentiality(app, db, world, made):
    sign(db, world, world.other_group, "treatment", "touch", "sharing", "research")

    def consents_of(name: str) -> str:
        page = open_board(app, world.facilitator, board_url(world, made)).get_data(as_text=True)
        return dict((who, rest) for who, _state, rest in rows(page))[name]

    assert "Missing" in consents_of("Other Group") and "On file" not in consents_of("Other Group")
    sign(db, world, world.other_group, "confidentiality")
    assert "On file" in consents_of("Other Group")
    assert "Missing" in consents_of("Participant")  # nothing signed


def test_an_intake_flag_shows_as_to_review_until_acknowledged(app, db, world, made):
    finish_intake(db, world, world.participant)
    flag = SafetyFlag(
        user_id=world.participant.id,
        cohort_id=world.cohort.id,
        source="questionnaire",
        level="review",
        instrument_id="medical-intake",
        rule_id="bp-known-high",
    )
    db.add(flag)
    db.commit()

    def participant_row() -> str:
        page = open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
        return dict((who, rest) for who, _state, rest in rows(page))["Participant"]

    assert "Done, 1 flag" in participant_row() and "1 to review" in participant_row()
    flag.acknowledged_at = utcnow()
    db.add(flag)
    db.commit()
    assert "Done, 1 flag" in participant_row() and "to review" not in participant_row()


# --- Refresh, print and audit. ---------------------------------------------------------------


def test_the_full_page_refreshes_its_board_every_30_seconds(app, world, arranged):
    page = open_board(app, world.facilitator, board_url(world, arranged)).get_data(as_text=True)
    assert "<html" in page
    assert 'hx-trigger="every 30s"' in page
    assert f'hx-get="{board_url(world, arranged)}"' in page
    assert "data-print" in page


def test_an_htmx_refresh_gets_only_the_board(app, world, arranged):
    response = open_board(app, world.medical, board_url(world, arranged), **{"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "<body" not in fragment
    assert fragment.lstrip().startswith('<div id="board"')
    assert 'hx-trigger="every 30s"' in fragment
    assert [name for name, _state, _rest in rows(fragment)] == [
        "Same Group",
        "Other Group",
        "Participant",
    ]
    assert DRIVER in fragment


def test_every_view_of_the_board_is_audited(app, db, world, arranged):
    url = board_url(world, arranged)
    open_board(app, world.facilitator, url)
    open_board(app, world.medical, url, **{"HX-Request": "true"})
    open_board(app, world.medical, url)
    assert [(e.actor_id, e.cohort_id, e.object_type, e.object_id) for e in viewed(db)] == [
        (world.facilitator.id, world.cohort.id, "medicine_session", str(arranged.id)),
        (world.medical.id, world.cohort.id, "medicine_session", str(arranged.id)),
        (world.medical.id, world.cohort.id, "medicine_session", str(arranged.id)),
    ]


# --- Who may open it. ------------------------------------------------------------------------


def test_a_facilitator_of_another_cohort_gets_403_and_nothing_is_audited(app, db, world, arranged):
    response = open_board(app, world.other_facilitator, board_url(world, arranged))
    assert response.status_code == 403
    assert DRIVER not in response.get_data(as_text=True)
    assert viewed(db) == []


@pytest.mark.parametrize("who", ["participant", "same_group", "admin"])
def test_participants_and_administrators_get_403(app, db, world, arranged, who):
    assert open_board(app, getattr(world, who), board_url(world, arranged)).status_code == 403
    assert viewed(db) == []


def test_a_session_of_another_cohort_is_not_found_through_this_cohorts_board(app, db, world, made):
    theirs = MedicineSession(
        cohort_id=world.other_cohort.id, number=1, starts_local=made.starts_local
    )
    db.add(theirs)
    db.commit()
    assert open_board(app, world.facilitator, board_url(world, theirs)).status_code == 404
    assert open_board(app, world.other_facilitator, board_url(world, made)).status_code == 403
    assert viewed(db) == []
