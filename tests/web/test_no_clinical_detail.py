"""No clinical detail leaves the app. A participant with a recognisable name writes a journal
entry, answers item 9 and asks for support; the team records a follow-up; reminders and a
digest come due. Every message that leaves (email subject, plain text, HTML; push payload)
and every log line of the worker, in English and in French, is scanned for what was typed:
the name, the email, the journal words, the follow-up note, the instrument's name."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from app import content
from app.models import SafetyFlag, utcnow
from app.notifications import delivery, reminders
from app.questionnaires import safety
from tests import canaries
from tests.conftest import csrf_token, post, sign_in
from tests.outside import PushService
from tests.web.test_journal import write
from tests.web.test_questionnaires import answer_phq9, start

NAME = "Wren Halloway-Canary"
JOURNAL = "the juniper letter I never sent"
NOTE = "called her sister at 10pm, safety plan updated"


@pytest.mark.parametrize("language", ["en", "fr_CA"])
def test_no_message_or_log_line_holds_a_word_anyone_typed(app, client, db, world, language):
    canaries.add(NAME, world.participant.email, JOURNAL, NOTE, "juniper", "Halloway")
    for person in (world.participant, world.facilitator, world.medical, world.admin):
        person.preferred_locale = language
        db.add(person)
    world.participant.display_name = NAME
    db.commit()
    sent_before = len(canaries.sent)
    with PushService(app.config["TEND"].alerts.vapid_public_key) as service:
        # A device for each of the team and the participant, so push goes out too.
        for person, name in ((world.medical, "m"), (world.participant, "p")):
            other = app.test_client()
            sign_in(other, person)
            other.post(
                "/account/devices",
                data=json.dumps(service.browser(name).subscription),
                content_type="application/json",
                headers={"X-CSRFToken": csrf_token(other)},
            )
        sign_in(client, world.participant)
        assert write(client, JOURNAL).status_code == 303
        response_id, _ = start(client, "phq-9")
        answer_phq9(client, response_id, [3, 3, 3, 3, 3, 3, 3, 3, 3])
        post(client, "/check-ins/support")
        post(
            client,
            "/account/reminders",
            {
                "check_in_due": "y",
                "weekly_practice": "y",
                "by_email": "y",
                "by_push": "y",
                "quiet_from": "",
                "quiet_until": "",
                "several_a_day": "y",
            },
        )
        flag = db.exec(select(SafetyFlag).where(SafetyFlag.level == "urgent")).first()
        safety.record_follow_up(db, world.medical, flag.id, NOTE)
        later = utcnow() + timedelta(days=1, hours=2)
        with app.app_context():
            reminders.schedule(db, content.library(), utcnow())
            delivery.run_once(app)
            # Escalations and the morning digest too.
            delivery.run_once(app, now=later)
        payloads = [json.dumps(d.payload, ensure_ascii=False) for d in service.delivered]
    leaving = canaries.sent[sent_before:]
    channels = {channel for channel, _ in leaving}
    assert {"email", "push", "log"} <= channels
    assert len(payloads) >= 2
    assert canaries.findings(leaving + [("push", p) for p in payloads]) == []
