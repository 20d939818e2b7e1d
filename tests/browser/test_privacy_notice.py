"""The privacy notice in Chromium: reached from enrolment before any account exists, in
English and French, axe-clean at 390 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_page

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
HEADINGS = {
    "en-CA": ("How Tend looks after your information", "Draft for the program’s review."),
    "fr-CA": ("Comment Tend prend soin de vos renseignements", "Ébauche à faire relire"),
}


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_the_notice_is_reached_from_enrolment_and_is_clean_on_a_phone_and_a_desktop(pages, locale):
    heading, draft = HEADINGS[locale]
    phone = pages.page(locale=locale)
    phone.goto("/enrol")
    phone.get_by_role("link", name=heading).click()
    expect(phone).to_have_url(pages.live_server.url + "/privacy")
    expect(phone.get_by_role("heading", level=1)).to_have_text(heading)
    expect(phone.locator("main")).to_contain_text(draft)
    check_page(phone)
    desktop = pages.page(
        locale=locale, viewport=DESKTOP, screen=DESKTOP, is_mobile=False, has_touch=False
    )
    desktop.goto("/privacy")
    expect(desktop.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(desktop)
