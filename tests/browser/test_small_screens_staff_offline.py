"""Two screens that did not fit a phone: the invites page was 397 px wide at 390, and on the
offline page the crisis buttons touched each other and their numbers broke across lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in
from tests.browser.test_phone_reflow import sign_in_speaking

pytestmark = pytest.mark.browser

WIDE_JS = "() => document.documentElement.scrollWidth"
CALLS_JS = r"""() => [...document.querySelectorAll('.crisis-lines a')].map((a) => {
    const box = a.getBoundingClientRect();
    const number = a.querySelector('.crisis-call__number');
    const line = number ? parseFloat(getComputedStyle(number).lineHeight) : 0;
    return {top: box.top, bottom: box.bottom, right: box.right,
            numberLines: number ? Math.round(number.getBoundingClientRect().height / line) : 1};
})"""


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_invites_page_fits_the_phone(pages, width, locale):
    other = "fr-CA" if locale == "en" else "en-CA"
    page = pages.page(locale=other, viewport={"width": width, "height": 800})
    sign_in_speaking(page, "facilitator@example.org", locale)
    page.goto("/team/cohorts/1/invites")
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate(WIDE_JS) <= width
    check_page(page)


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_offline_crisis_buttons_stand_apart_with_whole_numbers(pages, width, locale):
    page = pages.page(locale=locale, viewport={"width": width, "height": 800})
    page.goto("/offline")
    calls = page.evaluate(CALLS_JS)
    assert len(calls) >= 2
    for above, below in zip(calls, calls[1:], strict=False):
        assert below["top"] - above["bottom"] >= 8, calls
    assert all(call["numberLines"] == 1 and call["right"] <= width for call in calls), calls
    assert page.evaluate(WIDE_JS) <= width
    check_page(page)


def test_staff_see_no_participant_tools(pages):
    page = pages.page()
    sign_in(page, "facilitator@example.org", DEMO_PASSWORD, audit=False)
    expect(page.locator(".quick-exit")).to_have_count(0)
    expect(page.locator(".mainnav__item--settle")).to_have_count(0)
