"""Security events: a JSON log line without personal content and an audit row for each, and
the administrator's audit view with its filters and pages."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from app import security_events
from app.models import AuditEvent, utcnow
from tests.conftest import csrf_token, post, sign_in

WRONG = "not the password at all"


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger="tend.security")

    def read() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "tend.security"]

    return read


def kinds(db) -> list[str]:
    return list(db.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


def no_personal_content(line: dict, *people) -> None:
    text = json.dumps(line)
    for person in people:
        assert person.email not in text
        assert person.display_name not in text
        assert f'"{person.id}"' not in text and f": {person.id}," not in text
    assert "127.0.0.1" not in text


def test_a_successful_sign_in_is_a_log_line_and_an_audit_row(client, db, world, lines):
    sign_in(client, world.participant)
    [line] = [x for x in lines() if x["event"] == "signed_in"]
    no_personal_content(line, world.participant)
    assert "signed_in" in kinds(db)


def test_a_failed_sign_in_is_a_hashed_log_line_and_an_audit_row(client, db, world, lines):
    post(client, "/signin", {"email": world.participant.email, "password": WRONG})
    [line] = [x for x in lines() if x["event"] == "sign_in_failed"]
    with client.application.app_context():
        assert line["subject"] == security_events.keyed_hash(world.participant.id)
    assert len(line["client"]) == 24
    no_personal_content(line, world.participant)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).one()
    assert event.subject_id == world.participant.id


def test_a_failed_sign_in_for_an_unknown_email_keeps_only_its_keyed_hash(client, db, lines):
    post(client, "/signin", {"email": "Someone@Example.org", "password": WRONG})
    [line] = [x for x in lines() if x["event"] == "sign_in_failed"]
    with client.application.app_context():
        assert line["account"] == security_events.keyed_hash("someone@example.org")
    assert "someone" not in json.dumps(line).lower()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).one()
    assert event.object_type == "account" and "someone" not in event.object_id


def test_the_keyed_hash_depends_on_the_secret_key(app):
    with app.app_context():
        first = security_events.keyed_hash(42)
        app.config["SECRET_KEY"] = "another secret"
        assert security_events.keyed_hash(42) != first


def test_a_lockout_and_the_refusals_after_it_are_events(make_app, db, world, lines):
    client = make_app(signin_limit_account="1 per 15 minutes").test_client()
    for _ in range(3):
        post(client, "/signin", {"email": world.participant.email, "password": WRONG})
    events = [x["event"] for x in lines()]
    assert events.count("sign_in_failed") == 2
    assert "sign_in_locked" in events and "sign_in_refused" in events
    assert {"sign_in_locked", "sign_in_refused"} <= set(kinds(db))


def test_a_csrf_refusal_is_an_event(client, db, world, lines):
    sign_in(client, world.participant)
    client.post("/account/password", data={"csrf_token": "forged"})
    assert any(x["event"] == "csrf_refused" for x in lines())
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "csrf_refused")).one()
    assert event.actor_id == world.participant.id


def test_a_403_is_an_event(client, db, world, lines):
    sign_in(client, world.participant)
    assert client.get("/admin/people").status_code == 403
    [line] = [x for x in lines() if x["event"] == "forbidden"]
    assert line["endpoint"] == "admin.people"
    no_personal_content(line, world.participant)


def test_an_export_is_an_event(client, db, world):
    sign_in(client, world.participant)
    client.get("/journal/export.json")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "data_exported")).one()
    assert event.object_id == "journal_json"


def test_joining_a_cohort_is_a_membership_event(client, db, invite):
    post(
        client,
        "/enrol",
        {
            "code": invite.code,
            "display_name": "Robin",
            "email": "robin@example.org",
            "password": "a long and quiet river",
        },
    )
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "membership_added")).one()
    assert event.object_id == "participant" and event.cohort_id == invite.cohort_id


def test_the_second_factor_hook_writes_an_event(app, db, world, lines):
    with app.test_request_context():
        security_events.second_factor_changed(db, world.facilitator, "totp_added")
        db.commit()
    [line] = [x for x in lines() if x["event"] == "second_factor_changed"]
    assert line["detail"] == "totp_added"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "second_factor_changed")).one()
    assert event.subject_id == world.facilitator.id


# ---- the audit view -------------------------------------------------------------------


def test_the_audit_view_lists_security_events_for_administrators(client, world):
    other = client.application.test_client()
    post(other, "/signin", {"email": world.participant.email, "password": WRONG})
    sign_in(client, world.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Sign-in did not match" in page
    assert "Participant" in page


def test_the_audit_view_filters_by_kind_person_and_dates(client, db, world):
    with client.application.test_request_context():
        security_events.record(
            db, security_events.DEACTIVATED, actor=world.admin, subject=world.participant
        )
        security_events.record(
            db, security_events.REACTIVATED, actor=world.admin, subject=world.same_group
        )
    old = AuditEvent(action="account_deactivated", subject_id=world.other_group.id)
    old.at = utcnow() - timedelta(days=40)
    db.add(old)
    db.commit()
    sign_in(client, world.admin)
    by_kind = client.get("/admin/audit?kind=account_reactivated").get_data(as_text=True)
    assert "Same Group" in by_kind and "Account deactivated</td>" not in by_kind
    by_person = client.get(f"/admin/audit?kind=&person={world.participant.id}").get_data(
        as_text=True
    )
    assert "Account deactivated" in by_person and "Same Group" not in by_person
    since = (utcnow() - timedelta(days=2)).date().isoformat()
    recent = client.get(f"/admin/audit?kind=account_deactivated&from={since}").get_data(
        as_text=True
    )
    assert "Participant" in recent and "Other Group" not in recent
    until = (utcnow() - timedelta(days=30)).date().isoformat()
    older = client.get(f"/admin/audit?kind=account_deactivated&to={until}").get_data(as_text=True)
    assert "Other Group" in older and ">Participant<" not in older


def test_the_audit_view_pages_through_many_events(client, db, world):
    for _ in range(60):
        db.add(AuditEvent(action="sign_in_failed", subject_id=world.participant.id))
    db.commit()
    sign_in(client, world.admin)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/admin/audit?page=2&kind=security").get_data(as_text=True)
    assert "Page 2 of 2" in second


def test_bad_filters_are_ignored_not_a_500(client, world):
    sign_in(client, world.admin)
    response = client.get("/admin/audit?from=yesterday&to=2026-13-45&person=abc&page=-3")
    assert response.status_code == 200


def test_the_audit_view_is_for_administrators_only(client, world):
    sign_in(client, world.facilitator)
    assert client.get("/admin/audit").status_code == 403


def test_a_bare_csrf_token_post_to_people_is_answered(client, world):
    sign_in(client, world.admin)
    response = client.post("/admin/people", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200
