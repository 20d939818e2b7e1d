"""Check-ins on a phone, as a flow: what is needed before a session first, the whole card
starts one, a tapped answer moves on (arrow keys do not), Back on every screen, and the done
page hands on to the next check-in. In English and in French, at 390 and 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_page
from tests.browser.test_phone_reflow import measure, sign_in_speaking

pytestmark = pytest.mark.browser

# Casey: consented, intake due. The PHQ-9 journey answers the PHQ-9 as Casey; this one answers
# the GAD-7, so either order leaves the other's check-in to do.
CASEY = "participant2@example.org"


def test_a_check_in_is_answered_by_tapping_and_hands_on_to_the_next(pages):
    page = pages.page(locale="fr-CA")
    sign_in_speaking(page, CASEY, "en")
    page.goto("/check-ins/")
    check_page(page)
    titles = page.locator(".check-in__title").all_inner_texts()
    assert titles[0] == "Medical history for your team", titles
    assert "Worry and nerves" in titles
    # The whole card starts it, not only its button.
    page.locator(".check-in").filter(has_text="Worry and nerves").click(position={"x": 24, "y": 24})
    eyebrow = page.locator("p.eyebrow")
    expect(eyebrow).to_contain_text("Worry and nerves · Screen 1 of 8")
    expect(page.get_by_role("link", name="Back")).to_have_attribute("href", "/check-ins/")
    check_page(page)
    page.get_by_text("Not at all", exact=True).click()
    expect(eyebrow).to_contain_text("Screen 2 of 8")
    # From the keyboard an arrow key only moves between answers; Enter moves on.
    first = page.get_by_role("radio").first
    first.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(600)
    expect(eyebrow).to_contain_text("Screen 2 of 8")
    page.keyboard.press("Enter")
    expect(eyebrow).to_contain_text("Screen 3 of 8")
    page.get_by_role("button", name="Back").click()
    expect(eyebrow).to_contain_text("Screen 2 of 8")
    expect(page.get_by_role("radio", name="Several days")).to_be_checked()
    for screen in range(2, 8):
        expect(eyebrow).to_contain_text(f"Screen {screen} of 8")
        page.locator(".choice").first.click()
    expect(eyebrow).to_contain_text("Screen 8 of 8")
    page.locator(".choice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    nxt = page.get_by_role("heading", level=2, name="Next: Medical history for your team")
    expect(nxt).to_be_visible()
    expect(page.get_by_text(re.compile(r"^[12] of 6 done$"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name=re.compile(r"^Begin")).click()
    expect(eyebrow).to_contain_text("Medical history for your team · Screen 1 of")


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_check_ins_fit_a_small_phone(pages, width, locale):
    other = "fr-CA" if locale == "en" else "en-CA"
    page = pages.page(locale=other, viewport={"width": width, "height": 740})
    sign_in_speaking(page, CASEY, locale)
    page.goto("/check-ins/")
    check_page(page)
    problems = measure(page, width, f"check-ins {locale} {width}", 2)
    assert problems == []
