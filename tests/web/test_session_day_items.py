"""The session-day items a check against clinical references asked for: on the pre-session
checklist, substances in the last 24 hours (a hard stop) and nobody at home afterwards (a
review flag); after the session, a severe headache and dissociation that has not lifted (review
flags). Each raises its flag once, through the safety loop."""

from __future__ import annotations

import html

import pytest

from app.sessions import checklist
from tests.conftest import post
from tests.web import test_session_days
from tests.web.test_risk_answers import flags_of
from tests.web.test_session_days import (
    CALM,
    check_in_url,
    checklist_url,
    full_form,
    session_seen_at,
    signed_in,
)

open_session = test_session_days.open_session  # the fixture: session 1 in 30 hours


def state_of(db, person, medicine_session) -> str:
    db.expire_all()
    return checklist.submission(db, person.id, medicine_session.id).state


@pytest.mark.parametrize(
    ("answers", "level", "state"),
    [
        ({"substances": "yes"}, "urgent", "hard_stop"),
        ({"someone-at-home": "no"}, "review", "ready"),
    ],
    ids=["substances-hard-stop", "nobody-at-home-review"],
)
def test_a_pre_session_answer_raises_its_flag_once(
    app, db, world, open_session, answers, level, state
):
    client = signed_in(app, world.participant)
    for _send in range(2):
        form = full_form(**answers)
        assert post(client, checklist_url(open_session), form).status_code == 303
    [flag] = flags_of(db, world.participant)
    item = next(iter(answers))
    assert (flag.level, flag.rule_id) == (level, f"session-{open_session.number}:{item}")
    assert state_of(db, world.participant, open_session) == state


@pytest.mark.parametrize(
    ("answer", "rule"),
    [({"headache": "strong"}, "headache"), ({"dissociation": "not-lifted"}, "dissociation")],
)
def test_after_the_session_a_severe_headache_or_lasting_dissociation_is_a_review_flag(
    app, db, world, answer, rule
):
    made = session_seen_at(db, world, 20, 0)
    client = signed_in(app, world.participant)
    post(client, check_in_url(made), CALM | answer)
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.rule_id) == ("review", "after-session", rule)


@pytest.mark.parametrize(
    ("locale", "risks"),
    [
        (
            "en",
            [
                "Distressing experiences",
                "Misuse",
                "Bladder and urinary",
                "vomiting",
                "faster heartbeat",
                "Interactions",
            ],
        ),
        (
            "fr_CA",
            [
                "expériences difficiles",
                "mésusage",
                "vessie",
                "vomissements",
                "cœur qui bat plus vite",
                "interactions",
            ],
        ),
    ],
)
def test_the_treatment_consent_names_the_risks_a_reader_needs(app, world, locale, risks):
    client = signed_in(app, world.participant)
    post(client, "/language", {"locale": locale})
    page = html.unescape(client.get("/consent/treatment").get_data(as_text=True))
    for risk in risks:
        assert risk in page, risk
