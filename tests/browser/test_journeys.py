"""Whole journeys in Chromium at phone size, with an axe-core scan of every page visited."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from app.config import ROOT
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import (
    CACHED_URLS_JS,
    assert_no_axe_violations,
    check_page,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

PARTICIPANT = "participant@example.org"
FACILITATOR = "facilitator@example.org"
COHORT = "Spring Circle (demo)"
FRENCH_PO = ROOT / "translations" / "fr_CA" / "LC_MESSAGES" / "messages.po"
WEEK_MSGID = "Week %(week)d of %(weeks)d"


def french_week_text() -> str | None:
    """'Week 3 of 12' as the French catalog renders it, or None while it is untranslated."""
    if not FRENCH_PO.is_file():
        return None
    with FRENCH_PO.open("rb") as handle:
        catalog = read_po(handle, locale="fr_CA")
    message = catalog.get(WEEK_MSGID)
    if message is None or not message.string or message.fuzzy:
        return None
    return message.string % {"week": 3, "weeks": 12}


FRENCH_WEEK = french_week_text()
FRENCH_PENDING = (
    f"fr_CA has no translation yet for {WEEK_MSGID!r} in {FRENCH_PO.relative_to(ROOT)} "
    "(the French catalog is being translated); <html lang> is still checked strictly"
)


def nav_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def expect_week_three(page: Page) -> None:
    expect(page.get_by_role("heading", name="Week 3 of 12")).to_be_visible()


def test_participant_week_languages_help_account_sign_out(page: Page):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jordan")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect_week_three(page)
    check_page(page)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    expect(page.get_by_role("button", name="English")).to_be_visible()
    if FRENCH_WEEK:
        expect(page.get_by_role("heading", name=FRENCH_WEEK)).to_be_visible()
    check_page(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect_week_three(page)
    check_page(page)

    page.get_by_role("banner").get_by_role("link", name="Help").click()
    expect(page).to_have_url(re.compile(r"/help$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help now")
    check_page(page)

    nav_link(page, "Account").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    check_page(page)

    sign_out(page)
    check_page(page)
    # Signed out for real: the home page asks to sign in again.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))


@pytest.mark.xfail(condition=FRENCH_WEEK is None, reason=FRENCH_PENDING, strict=True)
def test_home_page_reads_week_in_french(page: Page):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.get_by_role("button", name="Français").click()
    try:
        expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
        # Without a translation, the expectation is the brief's own wording.
        expected = FRENCH_WEEK or "Semaine 3 sur 12"
        expect(page.get_by_role("heading", name=expected)).to_be_visible(timeout=2_000)
    finally:
        # The choice is saved for the person: give the other journeys their English back.
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def test_quick_exit_replaces_history(page: Page, live_server):
    page.goto("/help")
    check_page(page)
    tend_url = page.url
    page.get_by_role("banner").get_by_role("link", name="Exit").click()
    expect(page).to_have_url(live_server("/healthz"))
    expect(page.locator("body")).to_have_text("ok")
    page.go_back()
    assert page.url != tend_url, "Back returned to the page the person left with quick exit"
    assert page.url == "about:blank"


def test_escape_three_times_leaves_a_signed_in_page(page: Page, live_server):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.locator("body").press("Escape")
    page.locator("body").press("Escape")
    page.locator("body").press("Escape")
    expect(page).to_have_url(live_server("/healthz"))
    # Signing in replaced the sign-in page in history, so Back leaves Tend altogether
    # instead of reopening /signin, which would show the home page again.
    page.go_back()
    assert page.url == "about:blank"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_facilitator_invites_and_newcomer_enrols(pages, javascript: bool):
    page = pages.page(java_script_enabled=javascript)
    sign_in(page, FACILITATOR, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cohorts")
    check_page(page)

    page.get_by_role("link", name=COHORT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COHORT)
    expect(page.get_by_role("cell", name="Jordan", exact=True)).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Invites", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invites for {COHORT}")
    check_page(page)
    page.get_by_label("How many codes").fill("2")
    page.get_by_label("Small group").select_option(label="Cedar")
    note = f"browser journey ({'with' if javascript else 'without'} JavaScript)"
    page.get_by_label("Note for yourself").fill(note)
    page.get_by_role("button", name="Make codes").click()
    expect(page.get_by_role("status")).to_contain_text("2 invite codes are ready.")
    expect(page.get_by_role("cell", name=note)).to_have_count(2)
    check_page(page)

    page.get_by_role("link", name="Print the open codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invite sheet for {COHORT}")
    check_page(page)
    # The sheet lists the newest codes first: the first card is one this test made.
    codes = page.locator(".invite-card__code").all_inner_texts()
    assert len(codes) >= 2
    code = codes[0].strip()

    newcomer = pages.page(java_script_enabled=javascript)
    newcomer.goto("/enrol")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Join your cohort")
    check_page(newcomer)
    name = "Ash" if javascript else "Sage"
    newcomer.get_by_label("Invite code").fill(code)
    newcomer.get_by_label("Your name").fill(name)
    newcomer.get_by_label("Email").fill(f"{name.lower()}.browser@example.org")
    newcomer.get_by_label("Choose a password").fill("a quiet river at dawn")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer).to_have_url(re.compile(r"/$"))
    expect(newcomer.get_by_role("status")).to_contain_text(f"Welcome to Tend, {name}.")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    expect_week_three(newcomer)
    expect(newcomer.get_by_text("Cedar", exact=True)).to_be_visible()
    check_page(newcomer)

    # The code worked once: the facilitator now sees it as used.
    page.goto(page.url.replace("/print", ""))
    expect(page.get_by_role("cell", name=code, exact=True)).to_have_count(0)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/signin", "Welcome back"),
        ("/enrol", "Join your cohort"),
        ("/help", "Get help now"),
        ("/offline", "You are offline"),
        ("/no-such-page", None),
    ],
)
def test_public_pages(page: Page, path: str, heading: str | None):
    page.goto(path)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page)


FOCUS_STATE_JS = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    return {
        index: (window.__tabbables || []).indexOf(el),
        tag: el.tagName.toLowerCase(),
        text: (el.innerText || el.value || el.id || '').trim().slice(0, 40),
        focusVisible: el.matches(':focus-visible'),
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth) || 0,
        inViewport: box.bottom > 0 && box.top < innerHeight,
        obscuredBy: hit && hit !== el && !el.contains(hit) && !hit.contains(el)
            ? hit.tagName.toLowerCase() + (hit.className ? '.' + hit.className : '') : null,
    };
}"""

TABBABLES_JS = """() => {
    const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
        + ' select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
    window.__tabbables = [...document.querySelectorAll(selector)].filter((el) => {
        if (el.closest('[hidden], [inert]')) return false;
        const style = getComputedStyle(el);
        return style.display !== 'none' && style.visibility !== 'hidden'
            && el.getClientRects().length > 0;
    });
    return window.__tabbables.map((el) =>
        el.tagName.toLowerCase() + ' ' + (el.innerText || el.value || el.id || '').trim());
}"""


def walk_with_tab(page: Page) -> list[str]:
    """Tab from the start of the page through every control; each shows where focus is."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    expected = page.evaluate(TABBABLES_JS)
    assert expected, "nothing on the page takes focus"
    problems = []
    for index, name in enumerate(expected):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE_JS)
        where = f"Tab {index + 1} ({state['tag']} {state['text']!r})"
        if state["index"] != index:
            problems.append(f"{where}: expected {name!r} (DOM order), focus went elsewhere")
            break
        if not state["focusVisible"]:
            problems.append(f"{where}: not :focus-visible after a keyboard move")
        if state["outlineStyle"] == "none" or state["outlineWidth"] <= 0:
            problems.append(f"{where}: no visible focus outline")
        if not state["inViewport"]:
            problems.append(f"{where}: focused but scrolled out of view")
        elif state["obscuredBy"]:
            problems.append(f"{where}: hidden under {state['obscuredBy']}")
    assert not problems, f"keyboard focus problems on {page.url}:\n- " + "\n- ".join(problems)
    return expected


def assert_skip_link_first(page: Page) -> None:
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    in_main = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert in_main, "after the skip link, Tab should move into the main content"


def test_keyboard_only(page: Page):
    for signed_in in (False, True):
        if signed_in:
            sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
        path = "/" if signed_in else "/signin"
        page.goto(path)
        assert_skip_link_first(page)
        page.goto(path)
        order = walk_with_tab(page)
        assert order[0] == "a Skip to content"

    # Keyboard alone also signs out: focus the button and press Enter.
    page.get_by_role("button", name="Sign out", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/signin$"))


def test_service_worker_offline_page(pages, page: Page, live_server):
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == live_server("/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "navigator.serviceWorker.ready.then((r) => r.active.state === 'activated')"
    )
    cached = page.evaluate(CACHED_URLS_JS)
    assert "/offline" in cached
    # Only what anybody may see is kept: every cached page answers a stranger with no cookie.
    stranger = pages.context().request
    for path in sorted({url for url in cached if not url.startswith("/static/")}):
        response = stranger.get(path, max_redirects=0)
        assert response.status == 200, f"the service worker cached {path}, a private page"

    page.context.set_offline(True)
    try:
        page.goto("/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        expect(page.get_by_text("Jordan")).to_have_count(0)
        assert_no_axe_violations(page)
    finally:
        page.context.set_offline(False)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_page_light_and_dark(pages, scheme: str, tmp_path):
    page = pages.page(color_scheme=scheme)
    sign_in(page, PARTICIPANT, DEMO_PASSWORD)
    expect_week_three(page)
    check_page(page)
    shots = Path(os.environ.get("TEND_SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"home-{scheme}.png"))
    page.screenshot(path=str(shots / f"home-{scheme}-full.png"), full_page=True)
