"""Risk answers act when the screen that holds them is saved, whatever the person does next:
PHQ-9 item 9 above 0 raises its urgent flag (once, through the same path that alerts the
team) and shows the crisis lines before Finish; a blank item 9 gets one gentle screen and,
skipped, becomes "item 9 not answered" for the team, never a 0; the checklist's and the
check-in's self-harm items raise urgent flags on save; and the participant's home shows a
calm card until the team records a follow-up."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from app.models import Notification, SafetyFlag
from app.questionnaires import safety
from tests.conftest import post, sign_in
from tests.web.test_questionnaires import answer_phq9, send, sent, start, stored
from tests.web.test_session_days import (
    CALM,
    add_session,
    check_in_url,
    checklist_url,
    full_form,
    local_now,
    pre_session,
    session_seen_at,
    signed_in,
)


def flags_of(db, person) -> list[SafetyFlag]:
    db.expire_all()
    query = select(SafetyFlag).where(SafetyFlag.user_id == person.id).order_by(SafetyFlag.id)
    return list(db.exec(query))


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def up_to_item_9(client, response_id: int) -> None:
    for number in range(8):
        sent(client, response_id, number, {f"q{number + 1}": "1"})


# --- Item 9 acts on its own screen. ----------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_item_9_raises_the_urgent_flag_and_shows_crisis_lines_when_its_screen_is_saved(
    client, db, world, locale
):
    world.participant.preferred_locale = locale
    db.add(world.participant)
    db.commit()
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    assert flags_of(db, world.participant) == []
    saved = send(client, response_id, 8, {"q9": "1"})
    assert saved.status_code == 303
    after = saved.location
    # The person stops here: the flag is already raised, and its alerts are queued.
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.rule_id, flag.response_id) == (
        "urgent",
        "questionnaire",
        "phq9-item9",
        response_id,
    )
    assert db.exec(select(Notification).where(Notification.flag_id == flag.id)).all()
    shown = client.get(after)
    assert shown.status_code == 200
    text = page(shown)
    assert 'href="tel:988"' in text
    assert f"/check-ins/{response_id}/9" in text  # a way on, when they want it
    word = "Continue" if locale == "en" else "Continuer"
    assert word in text


def test_going_back_and_saving_item_9_again_raises_no_second_flag(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    sent(client, response_id, 8, {"q9": "2"})
    sent(client, response_id, 8, {"q9": "2"})
    sent(client, response_id, 9, {"q10": "1"}, go="back")
    sent(client, response_id, 8, {"q9": "3"})
    sent(client, response_id, 9, {"q10": "1"})
    assert [f.rule_id for f in flags_of(db, world.participant)] == ["phq9-item9"]


def test_changing_item_9_to_not_at_all_keeps_the_flag_and_shows_the_team_the_change(
    app, client, db, world
):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    sent(client, response_id, 8, {"q9": "2"})
    sent(client, response_id, 8, {"q9": "0"})
    [flag] = flags_of(db, world.participant)
    assert flag.answer_changed_at is not None
    assert flag.acknowledged_at is None
    team = signed_in(app, world.medical)
    flags_page = page(team.get(f"/team/cohorts/{world.cohort.id}/flags"))
    assert "The answer was changed after this flag was raised" in flags_page


def test_finishing_after_item_9_was_saved_raises_nothing_more(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    done = answer_phq9(client, response_id, [0, 0, 0, 0, 0, 0, 0, 0, 2])
    assert "You don't have to hold this alone" in page(client.get(done))
    assert len(flags_of(db, world.participant)) == 1


# --- A blank item 9. -------------------------------------------------------------------------


def test_a_blank_item_9_gets_one_gentle_screen_and_nothing_moves_on(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    response = send(client, response_id, 8, {})
    assert response.status_code == 200
    text = page(response)
    assert "This question matters for your safety" in text
    assert 'name="skip" value="q9"' in text
    assert "Skip anyway" in text
    assert "q9" not in stored(db, response_id)
    assert flags_of(db, world.participant) == []


def test_item_9_skipped_anyway_is_a_review_flag_not_a_zero_and_the_total_says_so(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    assert sent(client, response_id, 8, {"skip": "q9"}) == f"/check-ins/{response_id}/9"
    assert stored(db, response_id)["q9"] is None
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.rule_id) == ("review", "phq9-item9-unanswered")
    sent(client, response_id, 9, {"q10": "0"})
    done = page(client.get(f"/check-ins/{response_id}/done"))
    # Eight answers of 1, prorated to nine items by the instrument's rule: 9, said so.
    assert "Score: 9 (range 0 to 27)" in done
    assert "1 question was not answered" in done
    team = signed_in(client.application, world.medical)
    assert "Item 9 not answered" in page(team.get(f"/team/cohorts/{world.cohort.id}/flags"))


def test_back_from_a_blank_item_9_does_not_ask_again(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    assert sent(client, response_id, 8, {}, go="back") == f"/check-ins/{response_id}/7"
    assert flags_of(db, world.participant) == []


# --- The checklist and the check-in. ---------------------------------------------------------


@pytest.fixture
def open_session(db, world):
    return add_session(db, world.cohort, local_now(world.cohort) + timedelta(hours=30))


def step_of(item_id: str) -> int:
    return next(n for n, item in enumerate(pre_session().items, start=1) if item.id == item_id)


def test_thoughts_of_self_harm_on_the_checklist_raise_an_urgent_flag_on_their_step(
    app, db, world, open_session
):
    client = signed_in(app, world.participant)
    step = step_of("self-harm")
    response = post(client, f"{checklist_url(open_session)}?step={step}", {"self-harm": "yes"})
    assert response.status_code == 303
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.rule_id) == (
        "urgent",
        "checklist",
        f"session-{open_session.number}:self-harm",
    )
    shown = page(client.get(response.location))
    assert 'href="tel:988"' in shown
    assert f"step={step + 1}" in shown
    post(client, f"{checklist_url(open_session)}?step={step}", {"self-harm": "yes"})
    post(client, checklist_url(open_session), full_form(**{"self-harm": "yes"}))
    assert len(flags_of(db, world.participant)) == 1


def test_no_ride_home_is_a_hard_stop(app, db, world, open_session):
    client = signed_in(app, world.participant)
    form = full_form(**{"ride-home-none": "1"})
    form.pop("ride-home-name")
    form.pop("ride-home-phone")
    assert post(client, checklist_url(open_session), form).status_code == 303
    [flag] = flags_of(db, world.participant)
    assert flag.rule_id == f"session-{open_session.number}:ride-home"


def test_self_harm_in_the_check_in_raises_an_urgent_flag_even_on_a_second_send(app, db, world):
    made = session_seen_at(db, world, 20, 0)
    client = signed_in(app, world.participant)
    assert post(client, check_in_url(made), CALM).status_code == 303
    response = post(client, check_in_url(made), CALM | {"self-harm": "yes"})
    assert response.status_code == 200
    assert 'href="tel:988"' in page(response)
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.rule_id) == ("urgent", "after-session", "self-harm")
    post(client, check_in_url(made), CALM | {"self-harm": "yes"})
    assert len(flags_of(db, world.participant)) == 1


# --- The calm card at home. -----------------------------------------------------------------


def test_after_a_risk_answer_home_shows_a_calm_card_until_the_team_records_follow_up(
    app, client, db, world
):
    sign_in(client, world.participant)
    assert "Your team has been told" not in page(client.get("/"))
    response_id, _ = start(client, "phq-9")
    up_to_item_9(client, response_id)
    sent(client, response_id, 8, {"q9": "1"})
    home = page(client.get("/"))
    assert "Your team has been told" in home
    assert 'href="tel:988"' in home
    [flag] = flags_of(db, world.participant)
    safety.acknowledge(db, world.medical, flag.id)
    assert "Your team has been told" in page(client.get("/"))
    safety.record_follow_up(db, world.medical, flag.id, "Called, talked it through")
    assert "Your team has been told" not in page(client.get("/"))


def test_a_request_for_contact_also_shows_the_calm_card(client, db, world):
    sign_in(client, world.participant)
    assert post(client, "/check-ins/support").status_code in (200, 303)
    home = page(client.get("/"))
    assert "Your team has been told" in home
    assert urlsplit("/help").path in home
