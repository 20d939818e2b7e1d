"""Quick exit ends the sign-in on the server before it leaves: Back, or any page of Tend the
history reopens, shows the sign-in page, never the person's own pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in

pytestmark = pytest.mark.browser

PARTICIPANT = "participant@example.org"


def assert_signed_out_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)


def test_quick_exit_then_back_shows_the_sign_in_page(page: Page, live_server):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.goto("/account")
    check_page(page)
    page.get_by_role("banner").get_by_role("link", name="Exit").click()
    expect(page).to_have_url(live_server("/healthz"))
    page.go_back()  # quick exit replaced /account, so Back reopens the home page
    assert_signed_out_page(page)
    # Every signed-in page the history still names asks for sign-in again.
    page.goto("/account")
    assert_signed_out_page(page)


def test_escape_three_times_also_ends_the_session(page: Page, live_server):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.goto("/account")
    for _ in range(3):
        page.locator("body").press("Escape")
    expect(page).to_have_url(live_server("/healthz"))
    page.goto("/")
    assert_signed_out_page(page)


def test_quick_exit_from_a_public_page_while_signed_in_ends_the_session(page: Page, live_server):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.goto("/settle/")
    check_page(page)
    page.get_by_role("banner").get_by_role("link", name="Exit").click()
    expect(page).to_have_url(live_server("/healthz"))
    page.go_back()  # the home page, the exercises having been replaced
    assert_signed_out_page(page)


def test_the_help_page_says_what_quick_exit_does(page: Page):
    page.goto("/help")
    check_page(page)
    explanation = page.get_by_role("region", name="Leaving quickly")
    expect(explanation).to_contain_text("signs you out")
    expect(explanation).to_contain_text("Escape")
