"""Notifications in Chromium: the account page offers them on this device, the service
worker shows a push delivered over the DevTools protocol with the payload's words and tag,
and a tap opens the page the notification is about, on this site only."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in

pytestmark = pytest.mark.browser

MEDICAL = "medical@example.org"
NOTIFICATIONS_JS = """
() => navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))
"""


def shown_notifications(page, timeout_ms=10_000):
    """The service worker's notifications, polled until there is one (evaluate awaits the
    promise; wait_for_function would only see a pending promise, which is always truthy)."""
    for _ in range(timeout_ms // 100):
        shown = page.evaluate(NOTIFICATIONS_JS)
        if shown:
            return shown
        page.wait_for_timeout(100)
    return []


def controlled_page(pages, live_server):
    context = pages.context()
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, MEDICAL, DEMO_PASSWORD, audit=False)
    page.goto("/account")
    page.evaluate("() => navigator.serviceWorker.ready")
    page.reload()  # now controlled by the service worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return context, page


def push(context, page, live_server, payload: dict) -> None:
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        found = [
            r
            for r in registrations
            if r["scopeURL"] == live_server.url + "/" and not r["isDeleted"]
        ]
        if found:
            break
        page.wait_for_timeout(100)
    registration = found[0]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "data": json.dumps(payload),
        },
    )


def test_the_account_page_offers_notifications_on_this_device(pages, live_server):
    context, page = controlled_page(pages, live_server)
    expect(page.get_by_role("heading", name="Notifications on your devices")).to_be_visible()
    button = page.get_by_role("button", name="Turn on notifications on this device")
    expect(button).to_be_visible()
    check_page(page)
    button.click()
    # This headless browser has no push service to subscribe with: Tend says so kindly.
    status = page.locator("[data-push-status]")
    expect(status).to_be_visible()
    expect(status).to_have_text(
        re.compile(r"Notifications are on for this device\.|could not be turned on just now")
    )
    check_page(page)


def test_a_push_is_shown_and_a_tap_opens_its_page(pages, live_server):
    context, page = controlled_page(pages, live_server)
    payload = {
        "title": "Tend: a safety flag needs attention",
        "body": "A safety flag in Spring Circle (demo) needs attention. Open Tend to see it.",
        # Written with another address: the worker opens the page on this site only.
        "url": "https://elsewhere.example/team/cohorts/1/flags",
        "tag": "tend-flag-7",
    }
    push(context, page, live_server, payload)
    [shown] = shown_notifications(page)
    assert shown["title"] == payload["title"]
    assert shown["body"] == payload["body"]
    assert shown["tag"] == "tend-flag-7"
    # The same tag again replaces it rather than adding a second one.
    push(context, page, live_server, payload)
    page.wait_for_timeout(500)
    assert len(page.evaluate(NOTIFICATIONS_JS)) == 1
    [worker] = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    worker.evaluate(
        "() => self.registration.getNotifications().then((shown) => openFromNotification(shown[0]))"
    )
    expect(page).to_have_url(live_server.url + "/team/cohorts/1/flags")
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety flags")


def test_a_participant_turns_on_a_reminder_in_french(page):
    sign_in(page, "participant@example.org", DEMO_PASSWORD, audit=False)
    page.goto("/account")
    check_page(page)
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Rappels")).to_be_visible()
    check_page(page)
    page.get_by_label("Quand la pratique de la semaine est prête").check()
    page.get_by_label("Par courriel").check()
    page.get_by_role("button", name="Enregistrer les rappels").click()
    expect(page.get_by_text("Vos rappels sont enregistrés.")).to_be_visible()
    expect(page.get_by_label("Quand la pratique de la semaine est prête")).to_be_checked()
    check_page(page)
    page.get_by_role("button", name="English").click()
