"""The readiness board never shows an unknown as clear: an intake never done is "Not done", a
person is Ready only with every condition met, each open flag is a chip linked to it and an
unacknowledged urgent flag turns the row red and puts it on top; a phone gets one card per
person. The flags pages give times in the cohort's zone with how long ago."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from app.formatting import format_datetime_short
from app.models import SafetyFlag, utcnow
from tests.conftest import post, sign_in
from tests.web import test_readiness_board
from tests.web.test_readiness_board import (
    answer,
    board_url,
    finish_intake,
    open_board,
    proceed,
    rows,
    sign,
)

made = test_readiness_board.made  # the fixture: session 1, in 30 hours
CARD = re.compile(
    r'<li class="card board-card board-card--(\w+)">\s*<h2 class="board-card__name"><bdi>([^<]+)'
)


def ready_but(db, world, made, *, intake=True, consents=True, review=True):
    """The participant with a finished checklist, and consents, intake and the clinician's
    "proceed" unless told not."""
    if consents:
        sign(db, world, world.participant, "treatment", "confidentiality")
    if intake:
        finish_intake(db, world, world.participant)
    answer(db, world, world.participant, made)
    if review:
        proceed(db, world, made, world.participant)


def row_of(page: str, name: str) -> tuple[str, str]:
    return {who: (state, rest) for who, state, rest in rows(page)}[name]


def item9_flag(db, world, person, **fields) -> SafetyFlag:
    flag = SafetyFlag(
        user_id=person.id,
        cohort_id=world.cohort.id,
        source="questionnaire",
        level="urgent",
        instrument_id="phq-9",
        rule_id="phq9-item9",
        **fields,
    )
    db.add(flag)
    db.commit()
    return flag


# --- Every cell says what it knows. ----------------------------------------------------------


def test_a_person_who_never_did_the_medical_intake_shows_not_done_and_is_not_ready(
    app, db, world, made
):
    ready_but(db, world, made, intake=False)
    page = open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
    state, rest = row_of(html.unescape(page), "Participant")
    assert state != "ready"
    assert "Not done" in rest and "None" not in rest.replace("None open", "")
    assert "Not ready yet" in rest


def test_a_finished_intake_says_done_with_how_many_flags_it_raised(app, db, world, made):
    ready_but(db, world, made)
    for rule in ("intake-bp", "intake-age"):
        db.add(
            SafetyFlag(
                user_id=world.participant.id,
                cohort_id=world.cohort.id,
                source="questionnaire",
                level="review",
                instrument_id="medical-intake",
                rule_id=rule,
                acknowledged_at=utcnow(),
            )
        )
    db.commit()
    page = html.unescape(
        open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
    )
    state, rest = row_of(page, "Participant")
    assert "Done, 2 flags" in rest and "Not done" not in rest
    # Acknowledged review flags do not hold anyone back.
    assert state == "ready"


def test_ready_needs_every_condition_and_consents_say_missing_or_on_file(app, db, world, made):
    ready_but(db, world, made, consents=False)
    page = html.unescape(
        open_board(app, world.facilitator, board_url(world, made)).get_data(as_text=True)
    )
    state, rest = row_of(page, "Participant")
    assert state != "ready" and "Missing" in rest
    sign(db, world, world.participant, "treatment", "confidentiality")
    page = html.unescape(
        open_board(app, world.facilitator, board_url(world, made)).get_data(as_text=True)
    )
    state, rest = row_of(page, "Participant")
    assert state == "ready" and "On file" in rest and "✓" in rest


# --- Open flags as chips; an urgent one nobody acknowledged is like a hard stop. -------------


def test_an_unacknowledged_item_9_flag_turns_a_ready_row_red_names_it_and_goes_on_top(
    app, db, world, made
):
    ready_but(db, world, made)
    flag = item9_flag(db, world, world.participant)
    page = html.unescape(
        open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
    )
    shown = rows(page)
    assert (shown[0][0], shown[0][1]) == ("Participant", "urgent")
    rest = shown[0][2]
    assert "✓ Ready" not in rest and "Urgent flag not acknowledged" in rest
    assert f'href="/team/cohorts/{world.cohort.id}/flags#flag-{flag.id}">' in rest
    assert "PHQ-9" in rest and "Thoughts of being better off dead or of self-harm" in rest
    assert "· not acknowledged</a>" in rest

    flags_page = open_board(app, world.medical, f"/team/cohorts/{world.cohort.id}/flags")
    assert f'id="flag-{flag.id}"' in flags_page.get_data(as_text=True)


def test_once_acknowledged_the_flag_stays_as_a_chip_until_followed_up(app, db, world, made):
    ready_but(db, world, made)
    flag = item9_flag(db, world, world.participant, acknowledged_at=utcnow())
    page = html.unescape(
        open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
    )
    state, rest = row_of(page, "Participant")
    assert state == "ready" and "· acknowledged</a>" in rest
    flag.followed_up_at = utcnow()
    db.add(flag)
    db.commit()
    page = html.unescape(
        open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
    )
    assert "None open" in row_of(page, "Participant")[1]


def test_the_board_in_french_says_what_it_knows(app, db, world, made):
    item9_flag(db, world, world.participant)
    client = app.test_client()
    sign_in(client, world.medical)
    post(client, "/language", {"locale": "fr_CA"})
    page = html.unescape(client.get(board_url(world, made)).get_data(as_text=True))
    _state, rest = row_of(page, "Participant")
    assert "Non faite" in rest and "Manquants" in rest and "sans accusé de réception</a>" in rest
    assert "Signalement urgent sans accusé de réception" in rest


# --- Phone cards, desktop table, paper. ------------------------------------------------------


def test_a_phone_gets_one_card_per_person_in_the_same_order_with_the_same_facts(
    app, db, world, made
):
    ready_but(db, world, made)
    item9_flag(db, world, world.same_group)
    page = html.unescape(
        open_board(app, world.medical, board_url(world, made)).get_data(as_text=True)
    )
    cards = [(name.strip(), state) for state, name in CARD.findall(page)]
    assert cards == [(name, state) for name, state, _rest in rows(page)]
    assert cards[0] == ("Same Group", "urgent")
    card = page[page.index("board-card--urgent") :]
    card = card[: card.index('class="card board-card', 1)]
    assert "PHQ-9" in card and "Not done" in card and "Ride home" in card


def test_the_facilitators_cards_hold_no_ride_home_either(app, db, world, made):
    ready_but(db, world, made)
    page = open_board(app, world.facilitator, board_url(world, made)).get_data(as_text=True)
    assert "Ride home" not in page and "555-0134" not in page


# --- Flag times in the cohort's zone, with how long ago. -------------------------------------


def shown(app, moment: datetime, zone: str) -> str:
    """The moment as an English page writes it on that zone's clock."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return format_datetime_short(moment, zone)


def test_flag_times_are_in_the_cohorts_zone_with_how_long_ago(app, db, world):
    raised = datetime.now(UTC) - timedelta(minutes=25)
    item9_flag(db, world, world.participant, raised_at=raised)
    page = open_board(app, world.medical, f"/team/cohorts/{world.cohort.id}/flags")
    text = html.unescape(page.get_data(as_text=True))
    assert f"Raised 25 minutes ago ({shown(app, raised, 'America/Vancouver')}" in text
    assert "Pacific Time" in text


def test_the_overdue_page_gives_each_flag_in_its_own_cohorts_zone(app, db, world):
    raised = datetime.now(UTC) - timedelta(hours=3)
    item9_flag(db, world, world.participant, raised_at=raised)
    db.add(
        SafetyFlag(
            user_id=world.people["other_cohort"].id,
            cohort_id=world.other_cohort.id,
            source="support-button",
            level="review",
            raised_at=raised,
        )
    )
    db.commit()
    page = open_board(app, world.admin, "/team/overdue-flags")
    text = html.unescape(page.get_data(as_text=True))
    for zone, name in (("America/Vancouver", "Pacific Time"), ("America/Toronto", "Eastern Time")):
        assert f"3 hours ago ({shown(app, raised, zone)}" in text
        assert name in text
