""" "I feel physically well today" is asked on the day of the medicine session only: before
that day the checklist shows it as asked on the day (nothing to answer, nothing kept), and on
the day the checklist is not Ready, on the participant's page or on the board, until it is
answered. A "no" on the day is a hard stop, as before."""

from __future__ import annotations

import html
import json

import pytest

from app.models import ChecklistSubmission
from app.sessions import checklist, readiness
from tests.conftest import post
from tests.web.test_session_days import (
    checklist_url,
    full_form,
    library,
    session_seen_at,
    signed_in,
)

ITEM = "feeling-well"
ASKED_ON_THE_DAY = {
    "en": "Asked on the day of your session",
    "fr_CA": "Posée le jour de votre séance",
}


def the_day_before(db, world):
    """A session at 09:00 tomorrow, seen at 20:00 the evening before: its checklist is open."""
    return session_seen_at(db, world, 20, 1)


def the_morning_of(db, world):
    """A session at 09:00 today, seen at 06:00."""
    return session_seen_at(db, world, 6, 0)


def page(client, url: str, locale: str | None = None) -> str:
    if locale:
        post(client, "/language", {"locale": locale})
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def record_of(db, person, made) -> ChecklistSubmission:
    db.expire_all()
    return checklist.submission(db, person.id, made.id)


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_before_the_day_the_item_is_shown_as_asked_on_the_day(app, db, world, locale):
    made = the_day_before(db, world)
    shown = page(signed_in(app, world.participant), checklist_url(made), locale)
    assert ASKED_ON_THE_DAY[locale] in shown
    assert f'name="{ITEM}"' not in shown


def test_before_the_day_an_answer_is_not_kept_and_the_rest_can_be_ready(app, db, world):
    made = the_day_before(db, world)
    client = signed_in(app, world.participant)
    assert post(client, checklist_url(made), full_form(**{ITEM: "no"})).status_code == 303
    record = record_of(db, world.participant, made)
    assert ITEM not in json.loads(record.answers)
    assert record.state == "ready"
    assert ASKED_ON_THE_DAY["en"] in page(client, f"{checklist_url(made)}/result")


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_on_the_day_it_is_asked(app, db, world, locale):
    made = the_morning_of(db, world)
    shown = page(signed_in(app, world.participant), checklist_url(made), locale)
    assert f'name="{ITEM}"' in shown and ASKED_ON_THE_DAY[locale] not in shown


def test_on_the_day_the_checklist_is_not_ready_without_it(app, db, world):
    made = the_morning_of(db, world)
    client = signed_in(app, world.participant)
    form = full_form()
    del form[ITEM]
    post(client, checklist_url(made), form)
    assert record_of(db, world.participant, made).state == "in_progress"
    post(client, checklist_url(made), {ITEM: "yes"})
    assert record_of(db, world.participant, made).state == "ready"
    post(client, checklist_url(made), {ITEM: "no"})
    assert record_of(db, world.participant, made).state == "hard_stop"


def test_a_checklist_ready_the_day_before_is_not_ready_on_the_board_on_the_day(app, db, world):
    made = the_morning_of(db, world)
    answers = {
        item.id: item.clear_answer
        for item in library().get("checklist", "pre-session", "en", "core").item.data.items
        if item.kind in ("yes_not_yet_no", "yesno") and item.id != ITEM
    }
    answers["ride-home"] = {"name": "Alex Morgan", "phone": "(604) 555-0134"}
    db.add(
        ChecklistSubmission(
            user_id=world.participant.id,
            session_id=made.id,
            checklist_id="pre-session",
            answers=json.dumps(answers),
            state="ready",  # as saved the evening before
        )
    )
    db.commit()
    [row] = [
        r
        for r in readiness.rows(db, library(), world.medical, world.cohort, made)
        if r.person.id == world.participant.id
    ]
    assert row.checklist_state == "in_progress"
