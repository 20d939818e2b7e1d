"""Staff alerts over a real SMTP server on 127.0.0.1: an item-9 answer reaches the medical
team and facilitators by email within a minute of the screen being saved, in each person's
language, with a plain-text and an HTML part and no clinical detail; an unacknowledged flag
escalates to administrators and escalation contacts, again at each interval; acknowledging
stops it; review flags wait for the morning digest; the flags page shows what was not
delivered; every attempt is audited."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from app.models import AlertContact, AuditEvent, Delivery, Notification, SafetyFlag, utcnow
from app.notifications import delivery, mail
from app.questionnaires import safety
from tests import canaries
from tests.conftest import post, sign_in
from tests.outside import SmtpServer
from tests.web.test_questionnaires import answer_phq9, start


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mailing_app(app, smtp):
    """The test's app, its mail going to the SMTP server on loopback."""
    settings = app.config["TEND"]
    app.config["TEND"] = dataclasses.replace(
        settings,
        alerts=dataclasses.replace(
            settings.alerts, smtp_url=smtp.url, mail_from="Tend <alerts@tend.test>"
        ),
    )
    return app


def raise_urgent(db, world):
    """An urgent flag, as "I need support now" raises it, committed."""
    safety.raise_flag(
        db, world.participant, world.cohort.id, source="support-button", level="urgent"
    )
    db.commit()


def deliver(app, now=None):
    with app.app_context():
        return delivery.run_once(app, now=now)


def item9_answered(client, world) -> SafetyFlag:
    canaries.add(world.participant.display_name, world.participant.email)
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, [1, 1, 0, 0, 0, 0, 0, 0, 2])
    post(client, "/signout")
    return response_id


def the_flag(db, world) -> SafetyFlag:
    return db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id)).one()


def test_an_item_9_answer_emails_the_medical_team_and_facilitators_within_a_minute(
    mailing_app, client, db, world, smtp
):
    world.medical.preferred_locale = "fr_CA"
    db.add(world.medical)
    db.commit()
    item9_answered(client, world)
    flag = the_flag(db, world)
    tally = deliver(mailing_app)
    assert tally.sent == 2 and tally.failed == 0
    messages = smtp.inbox.wait_for(2, timeout=10)
    assert sorted(str(m["To"]) for m in messages) == sorted(
        [world.medical.email, world.facilitator.email]
    )
    rows = db.exec(select(Notification).where(Notification.flag_id == flag.id)).all()
    sent = [r for r in rows if r.status == Delivery.sent]
    for row in sent:
        row_finished = (
            row.finished_at
            if row.finished_at.tzinfo
            else row.finished_at.replace(tzinfo=utcnow().tzinfo)
        )
        raised = (
            flag.raised_at
            if flag.raised_at.tzinfo
            else flag.raised_at.replace(tzinfo=utcnow().tzinfo)
        )
        assert row_finished - raised < timedelta(minutes=1)
    [french] = smtp.inbox.to(world.medical.email)
    [english] = smtp.inbox.to(world.facilitator.email)
    assert english["Subject"] == "A safety flag in Cohort A needs attention"
    assert french["Subject"] == "Un signalement de sécurité dans Cohort A demande votre attention"
    assert french["Content-Language"] == "fr-CA"
    for message in (english, french):
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"http://127.0.0.1:5000/team/cohorts/{world.cohort.id}/flags" in text
        assert f'href="http://127.0.0.1:5000/team/cohorts/{world.cohort.id}/flags"' in html
        assert str(message["From"]) == "Tend <alerts@tend.test>"
        assert message["Message-ID"].startswith("<tend.")
        whole = message.as_string()
        assert canaries.findings([("email", whole)]) == []


def test_the_on_call_address_is_told_at_once_and_escalation_contacts_only_when_it_waits(
    mailing_app, client, db, world, smtp
):
    db.add(AlertContact(cohort_id=world.cohort.id, purpose="on_call", email="oncall@clinic.test"))
    db.add(AlertContact(cohort_id=world.cohort.id, purpose="escalation", email="lead@clinic.test"))
    db.commit()
    item9_answered(client, world)
    deliver(mailing_app)
    smtp.inbox.wait_for(3, timeout=10)
    assert len(smtp.inbox.to("oncall@clinic.test")) == 1
    assert smtp.inbox.to("lead@clinic.test") == []
    assert smtp.inbox.to(world.admin.email) == []


def test_an_unacknowledged_flag_escalates_and_repeats_until_acknowledged(
    mailing_app, client, db, world, smtp
):
    db.add(AlertContact(cohort_id=world.cohort.id, purpose="escalation", email="lead@clinic.test"))
    db.commit()
    item9_answered(client, world)
    flag = the_flag(db, world)
    deliver(mailing_app)
    raised = utcnow()
    # Not yet: FLAG_ESCALATION_MINUTES (120) have not passed.
    assert deliver(mailing_app, now=raised + timedelta(minutes=119)).sent == 0
    first = deliver(mailing_app, now=raised + timedelta(minutes=121))
    assert first.sent == 2
    smtp.inbox.wait_for(4, timeout=10)
    [to_admin] = smtp.inbox.to(world.admin.email)
    assert to_admin["Subject"] == "Still waiting: a safety flag in Cohort A needs attention"
    assert "/overdue-flags" in to_admin.get_body(("plain",)).get_content()
    assert len(smtp.inbox.to("lead@clinic.test")) == 1
    # The next round, FLAG_ESCALATION_REPEAT_MINUTES (60) later, to the same people.
    assert deliver(mailing_app, now=raised + timedelta(minutes=150)).sent == 0
    assert deliver(mailing_app, now=raised + timedelta(minutes=182)).sent == 2
    assert len(smtp.inbox.wait_for(6, timeout=10)) == 6
    # Acknowledged: nothing more, however long one waits.
    sign_in(client, world.medical)
    answer = post(client, f"/team/cohorts/{world.cohort.id}/flags/{flag.id}/acknowledge")
    assert answer.status_code == 303
    assert deliver(mailing_app, now=raised + timedelta(hours=10)).sent == 0
    assert len(smtp.inbox.messages) == 6
    waiting = db.exec(
        select(Notification).where(
            Notification.flag_id == flag.id, Notification.status == Delivery.pending
        )
    ).all()
    assert waiting == []


def test_acknowledging_before_the_escalation_time_means_no_escalation_at_all(
    mailing_app, client, db, world, smtp
):
    item9_answered(client, world)
    flag = the_flag(db, world)
    deliver(mailing_app)
    safety.acknowledge(db, world.facilitator, flag.id)
    assert deliver(mailing_app, now=utcnow() + timedelta(hours=5)).sent == 0
    assert smtp.inbox.to(world.admin.email) == []
    statuses = {
        r.status
        for r in db.exec(
            select(Notification).where(
                Notification.flag_id == flag.id, Notification.kind == "flag_escalation"
            )
        )
    }
    assert statuses == {Delivery.cancelled}


def test_a_review_flag_never_escalates_and_joins_the_morning_digest(mailing_app, db, world, smtp):
    for rule in ("phq9-moderate", "gad7-moderate"):
        safety.raise_flag(
            db,
            world.participant,
            world.cohort.id,
            source="questionnaire",
            level="review",
            instrument_id="phq-9",
            rule_id=rule,
        )
    db.commit()
    rows = db.exec(select(Notification).where(Notification.cohort_id == world.cohort.id)).all()
    assert {r.kind for r in rows} == {"flag_digest"}
    # One digest per team member, however many review flags, at 08:00 on the cohort's clock.
    assert sorted(r.user_id for r in rows) == sorted([world.facilitator.id, world.medical.id])
    due = (
        rows[0].due_at if rows[0].due_at.tzinfo else rows[0].due_at.replace(tzinfo=utcnow().tzinfo)
    )
    local = due.astimezone(__import__("zoneinfo").ZoneInfo("America/Vancouver"))
    assert (local.hour, local.minute) == (8, 0)
    assert deliver(mailing_app).sent == 0
    assert deliver(mailing_app, now=due + timedelta(seconds=1)).sent == 2
    [message, _] = smtp.inbox.wait_for(2, timeout=10)
    assert message["Subject"] == "Tend: flags to review in Cohort A"
    assert (
        "2 flags in Cohort A are waiting for review." in message.get_body(("plain",)).get_content()
    )
    assert deliver(mailing_app, now=utcnow() + timedelta(days=3)).sent == 0


def test_a_digest_with_nothing_left_to_review_is_not_sent(mailing_app, db, world, smtp):
    flag = safety.raise_flag(
        db,
        world.participant,
        world.cohort.id,
        source="questionnaire",
        level="review",
        instrument_id="phq-9",
        rule_id="phq9-moderate",
    )
    db.commit()
    safety.acknowledge(db, world.medical, flag.id)
    tally = deliver(mailing_app, now=utcnow() + timedelta(days=1, hours=1))
    assert (tally.sent, tally.cancelled) == (0, 2)
    assert smtp.inbox.messages == []


def test_a_refused_address_is_not_delivered_and_the_flags_page_says_so(
    app, client, db, world, monkeypatch
):
    class Refusing:
        def send(self, email):
            from app.notifications.errors import Permanent

            if world.medical.email in str(email["To"]):
                raise Permanent("smtp 550")

        def close(self):
            pass

    raise_urgent(db, world)
    with app.app_context():
        tally = delivery.run_once(app, mail_transport=Refusing())
    assert (tally.sent, tally.failed) == (1, 1)
    sign_in(client, world.facilitator)
    page = client.get(f"/team/cohorts/{world.cohort.id}/flags").get_data(as_text=True)
    assert "Alert sent to 1 recipient" in page
    assert "not delivered" in page and "email to Medical" in page


def test_a_failing_server_is_retried_with_backoff_then_marked_not_delivered(app, db, world):
    class Down:
        def send(self, email):
            from app.notifications.errors import Transient

            raise Transient("smtp ConnectionRefusedError")

        def close(self):
            pass

    raise_urgent(db, world)
    now = utcnow()
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        with app.app_context():
            delivery.run_once(app, now=now, mail_transport=Down())
        rows = db.exec(select(Notification).where(Notification.kind == "flag_urgent")).all()
        for row in rows:
            db.refresh(row)
        pending = [r for r in rows if r.status == Delivery.pending]
        if pending:
            due = (
                pending[0].due_at
                if pending[0].due_at.tzinfo
                else pending[0].due_at.replace(tzinfo=now.tzinfo)
            )
            waits.append(round((due - utcnow()).total_seconds() / 60, 1))
            now = due + timedelta(seconds=1)
    assert {r.status for r in rows} == {Delivery.failed}
    assert waits[:3] == [0.5, 1.0, 2.0]
    actions = [
        e.action
        for e in db.exec(select(AuditEvent).where(AuditEvent.object_type == "email:flag_urgent"))
    ]
    assert actions.count("notification_retry_later") == 2 * (delivery.MAX_ATTEMPTS - 1)
    assert actions.count("notification_not_delivered") == 2


def test_every_attempt_is_audited_with_channel_kind_and_outcome_never_content(
    mailing_app, client, db, world, smtp
):
    item9_answered(client, world)
    deliver(mailing_app)
    events = db.exec(
        select(AuditEvent).where(AuditEvent.action.like("notification_%")).order_by(AuditEvent.id)
    ).all()
    assert {(e.action, e.object_type, e.subject_id) for e in events} == {
        ("notification_sent", "email:flag_urgent", world.medical.id),
        ("notification_sent", "email:flag_urgent", world.facilitator.id),
    }
    assert all(e.actor_id is None and e.cohort_id == world.cohort.id for e in events)


def test_mail_without_smtp_in_development_goes_to_the_console_and_the_mail_page(
    app, client, db, world, tmp_path, capsys
):
    settings = app.config["TEND"]
    app.config["TEND"] = dataclasses.replace(
        settings, alerts=dataclasses.replace(settings.alerts, dev_mailbox=str(tmp_path / "mail"))
    )
    raise_urgent(db, world)
    with app.app_context():
        assert isinstance(mail.transport(app.config["TEND"]), mail.DevMailbox)
        assert delivery.run_once(app).sent == 2
    assert (
        "--- mail to facilitator@example.test: A safety flag in Cohort A needs attention"
        in capsys.readouterr().out
    )
    sign_in(client, world.facilitator)
    page = client.get("/dev/mail").get_data(as_text=True)
    assert page.count("A safety flag in Cohort A needs attention") >= 2
    key = next(iter(mail.dev_messages(str(tmp_path / "mail"))))[0]
    html = client.get(f"/dev/mail/{key}.html")
    assert (
        html.status_code == 200 and "<p>A safety flag in Cohort A needs attention.</p>" in html.text
    )
    assert "script-src 'self'" in html.headers["Content-Security-Policy"]


def test_the_mail_page_does_not_exist_where_mail_really_leaves(make_app, world):
    real = make_app()
    settings = real.config["TEND"]
    real.config["TEND"] = dataclasses.replace(
        settings, alerts=dataclasses.replace(settings.alerts, smtp_url="smtp://127.0.0.1:1")
    )
    client = real.test_client()
    sign_in(client, world.facilitator)
    assert client.get("/dev/mail").status_code == 404
