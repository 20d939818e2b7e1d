"""The journal composer on a phone: the prompt read as a quote and changed in place, feelings
tapped as chips, intensity tapped on the 0–10 row, and after Save the address is the entry's.
In English and French at 320 and 390 px, with nothing scrolling sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in
from tests.browser.test_phone_reflow import measure, sign_in_speaking

pytestmark = pytest.mark.browser

JORDAN = "participant@example.org"


def test_writing_with_a_prompt_chips_and_intensity_then_the_address_follows(pages):
    page = pages.page()
    sign_in(page, JORDAN, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    quote = page.locator("[data-prompt-quote]")
    expect(quote).to_be_hidden()
    page.get_by_text("Choose a prompt (optional)").click()
    first = page.locator(".composer-prompt__change .choice").first
    words = first.inner_text().strip()
    first.click()
    expect(quote).to_be_visible()
    expect(quote).to_have_text(words)
    page.get_by_label("Your words").fill("A few words about today.")
    page.locator("details.extras summary").click()
    page.get_by_role("checkbox", name="calm", exact=True).click()
    page.get_by_role("checkbox", name="tired", exact=True).click()
    page.locator(".segmented__option", has_text=re.compile(r"^\s*4\s*$")).click()
    check_page(page)
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("Your entry is saved.")
    expect(page).to_have_url(re.compile(r"/journal/\d+$"))
    entry_id = re.search(r"/journal/(\d+)$", page.url).group(1)
    page.goto(f"/journal/{entry_id}/edit")
    expect(page.get_by_role("checkbox", name="calm", exact=True)).to_be_checked()
    expect(page.locator('input[name="intensity"][value="4"]')).to_be_checked()
    expect(quote).to_have_text(words)
    expect(page.get_by_text("Change prompt")).to_be_visible()
    page.goto("/journal/")
    check_page(page)


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_composer_fits_a_small_phone(pages, width, locale):
    other = "fr-CA" if locale == "en" else "en-CA"
    page = pages.page(locale=other, viewport={"width": width, "height": 740})
    sign_in_speaking(page, JORDAN, locale)
    page.goto("/journal/new")
    page.locator("details.extras summary").click()
    page.locator(".composer-prompt__change summary").click()
    check_page(page)
    assert measure(page, width, f"journal {locale} {width}", 2) == []
