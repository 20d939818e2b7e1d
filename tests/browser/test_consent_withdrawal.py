"""Withdrawing a consent in Chromium: the list's "Withdraw", the page that says what changes
(axe-clean on a phone in English and on a desktop in French), and the consent shown as
withdrawn afterwards."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_page
from tests.browser.test_account_journeys import PASSWORD, new_participant, sign_in_any

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def test_a_participant_withdraws_the_treatment_consent_after_reading_what_changes(
    pages, live_server
):
    email, _ = new_participant(live_server, "Wren")
    phone = pages.page()
    sign_in_any(phone, email, PASSWORD)
    phone.goto("/consent/treatment")
    phone.get_by_label("Type your name to sign").fill("Wren Halloway")
    phone.get_by_role("button", name="Sign", exact=True).click()
    expect(phone).to_have_url(live_server.url + "/consent")

    phone.locator("a[href='/consent/treatment/withdraw']").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Withdraw this consent?")
    expect(phone.locator("main")).to_contain_text("Nothing is deleted by withdrawing.")
    expect(phone.get_by_role("link", name="Close my account")).to_be_visible()
    check_page(phone)

    desktop = pages.page(
        locale="fr-CA", viewport=DESKTOP, screen=DESKTOP, is_mobile=False, has_touch=False
    )
    sign_in_any(desktop, email, PASSWORD)
    desktop.goto("/consent/treatment/withdraw")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Retirer ce consentement\u202f?")
    check_page(desktop)

    phone.get_by_role("button", name="Withdraw this consent").click()
    expect(phone).to_have_url(live_server.url + "/consent")
    expect(phone.locator("main")).to_contain_text("Withdrawn. This takes effect from now on.")
    check_page(phone)
