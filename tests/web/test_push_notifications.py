"""Web Push end to end against a push service on 127.0.0.1 that verifies the VAPID
signature and decrypts each payload (RFC 8291) as a browser would: a device is kept per
browser from the account page, an urgent flag reaches it with nothing clinical in the
payload, a 404/410 drops the subscription, a 429 is tried again, sign-out on the device
drops it, and the account page lists devices with Remove."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.models import AuditEvent, Delivery, Notification, PushDevice
from app.notifications import delivery
from app.questionnaires import safety
from tests import canaries
from tests.conftest import csrf_token, post, sign_in
from tests.outside import PushService

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def push_service(app):
    with PushService(app.config["TEND"].alerts.vapid_public_key) as service:
        yield service


def add_device(client, subscription: dict, agent: str = CHROME_ANDROID):
    return client.post(
        "/account/devices",
        data=json.dumps(subscription),
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client), "User-Agent": agent},
    )


def raise_urgent(db, world):
    """An urgent flag, as "I need support now" raises it, committed."""
    safety.raise_flag(
        db, world.participant, world.cohort.id, source="support-button", level="urgent"
    )
    db.commit()


def deliver(app):
    with app.app_context():
        return delivery.run_once(app)


def test_a_device_added_from_the_account_page_gets_the_urgent_alert_decrypted_intact(
    app, client, db, world, push_service
):
    phone = push_service.browser("medical-phone")
    sign_in(client, world.medical)
    added = add_device(client, phone.subscription)
    assert added.status_code == 201
    assert "tend-device=" in added.headers["Set-Cookie"]
    assert "HttpOnly" in added.headers["Set-Cookie"]
    canaries.add(world.participant.display_name)
    raise_urgent(db, world)
    tally = deliver(app)
    assert tally.sent == 3  # two emails, one push
    [got] = push_service.delivered
    assert got.payload == {
        "title": "Tend: a safety flag needs attention",
        "body": "A safety flag in Cohort A needs attention. Open Tend to see it.",
        "url": f"http://127.0.0.1:5000/team/cohorts/{world.cohort.id}/flags",
        "tag": f"tend-flag-{safety_flag_id(db, world)}",
    }
    assert got.headers["urgency"] == "high"
    assert got.headers["topic"] == got.payload["tag"]
    assert got.claims["sub"] == app.config["TEND"].alerts.vapid_subject
    assert canaries.findings([("push", json.dumps(got.payload))]) == []
    [device] = db.exec(select(PushDevice)).all()
    assert device.last_sent_at is not None
    assert device.label == "Chrome · Android"


def safety_flag_id(db, world) -> int:
    from app.models import SafetyFlag

    return db.exec(select(SafetyFlag.id).where(SafetyFlag.user_id == world.participant.id)).one()


def test_the_payload_speaks_the_recipients_language(app, client, db, world, push_service):
    phone = push_service.browser("fr")
    world.facilitator.preferred_locale = "fr_CA"
    db.add(world.facilitator)
    db.commit()
    sign_in(client, world.facilitator)
    add_device(client, phone.subscription)
    raise_urgent(db, world)
    deliver(app)
    [got] = push_service.delivered
    assert got.payload["title"] == "Tend\u202f: un signalement de sécurité demande votre attention"


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_dropped(
    app, client, db, world, push_service, status
):
    phone = push_service.browser("gone")
    push_service.answers["/push/gone"] = status
    sign_in(client, world.medical)
    add_device(client, phone.subscription)
    raise_urgent(db, world)
    deliver(app)
    assert db.exec(select(PushDevice)).all() == []
    [row] = db.exec(select(Notification).where(Notification.channel == "push")).all()
    assert (row.status, row.last_error) == (Delivery.failed, "push gone")


def test_a_busy_push_service_is_tried_again_later(app, client, db, world, push_service):
    phone = push_service.browser("busy")
    push_service.answers["/push/busy"] = 429
    sign_in(client, world.medical)
    add_device(client, phone.subscription)
    raise_urgent(db, world)
    deliver(app)
    [row] = db.exec(select(Notification).where(Notification.channel == "push")).all()
    assert (row.status, row.attempts, row.last_error) == (Delivery.pending, 1, "push 429")
    assert len(db.exec(select(PushDevice)).all()) == 1


def test_a_broken_subscription_is_refused_kindly(client, world):
    sign_in(client, world.participant)
    bad = {"endpoint": "javascript:alert(1)", "keys": {"p256dh": "x", "auth": "y"}}
    assert add_device(client, bad).status_code == 400
    assert add_device(client, {}).status_code == 400


def test_production_keeps_only_https_push_endpoints(make_app, world, push_service):
    production = make_app(env="production")
    client = production.test_client()
    https = {"base_url": "https://localhost"}
    page = client.get("/help", **https).get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    client.post(
        "/signin",
        data={
            "csrf_token": token,
            "email": world.medical.email,
            "password": "correct horse battery",
        },
        **https,
    )
    phone = push_service.browser("plain-http")
    answer = client.post(
        "/account/devices",
        data=json.dumps(phone.subscription),
        content_type="application/json",
        headers={"X-CSRFToken": token},
        **https,
    )
    assert answer.status_code == 400


def test_the_account_page_lists_devices_and_removes_one(app, client, db, world, push_service):
    sign_in(client, world.participant)
    add_device(client, push_service.browser("a").subscription)
    page = client.get("/account").get_data(as_text=True)
    assert "Notifications on your devices" in page
    assert "Chrome · Android" in page and "(this device)" in page
    assert f'data-push-key="{app.config["TEND"].alerts.vapid_public_key}"' in page
    [device] = db.exec(select(PushDevice)).all()
    answer = post(client, f"/account/devices/{device.id}/remove")
    assert answer.status_code == 303
    assert db.exec(select(PushDevice)).all() == []
    actions = {e.action for e in db.exec(select(AuditEvent))}
    assert {"push_device_added", "push_device_removed"} <= actions


def test_nobody_removes_another_persons_device(app, client, db, world, push_service):
    sign_in(client, world.participant)
    add_device(client, push_service.browser("mine").subscription)
    [device] = db.exec(select(PushDevice)).all()
    other = app.test_client()
    sign_in(other, world.same_group)
    post(other, f"/account/devices/{device.id}/remove")
    assert len(db.exec(select(PushDevice)).all()) == 1


def test_signing_out_on_the_device_drops_its_subscription_only(app, db, world, push_service):
    phone, laptop = app.test_client(), app.test_client()
    for client, name in ((phone, "phone"), (laptop, "laptop")):
        sign_in(client, world.medical)
        assert add_device(client, push_service.browser(name).subscription).status_code == 201
    assert len(db.exec(select(PushDevice)).all()) == 2
    post(phone, "/signout")
    [left] = db.exec(select(PushDevice)).all()
    assert "laptop" in json.loads(left.subscription)["endpoint"]


def test_signing_out_everywhere_drops_every_device(app, db, world, push_service):
    phone, laptop = app.test_client(), app.test_client()
    for client, name in ((phone, "phone"), (laptop, "laptop")):
        sign_in(client, world.medical)
        add_device(client, push_service.browser(name).subscription)
    post(laptop, "/account/signout-everywhere")
    assert db.exec(select(PushDevice)).all() == []


def test_escalation_by_push_stops_when_the_last_device_is_gone_but_email_goes_on(
    app, client, db, world, push_service
):
    from datetime import timedelta

    from app.models import utcnow

    sign_in(client, world.admin)
    add_device(client, push_service.browser("admin").subscription)
    raise_urgent(db, world)
    raised = utcnow()
    with app.app_context():
        delivery.run_once(app)
        [device] = db.exec(select(PushDevice)).all()
        db.delete(device)
        db.commit()
        delivery.run_once(app, now=raised + timedelta(minutes=121))
        delivery.run_once(app, now=raised + timedelta(minutes=182))
    rounds = {
        (row.channel, json.loads(row.context)["round"], row.status)
        for row in db.exec(select(Notification).where(Notification.kind == "flag_escalation"))
    }
    assert ("push", 1, Delivery.failed) in rounds
    assert not any(channel == "push" and number == 2 for channel, number, _ in rounds)
    assert ("email", 2, Delivery.sent) in rounds and ("email", 3, Delivery.pending) in rounds
