"""Two devices writing one entry at once, in Chromium: each autosave names the version its page
last saw, so the second device is told at once, its Save shows both texts, and each choice on
the conflict view keeps exactly what the person chose. Nothing is overwritten unseen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.models import JournalEntry, User
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import sign_in
from tests.browser.test_feature_journeys import check_page
from tests.browser.test_journal_failures import MORGAN, SAVED, consents_on_file, phrase, write_entry

__all__ = ["consents_on_file"]  # the fixture the people used here need

pytestmark = pytest.mark.browser

CHANGED_ELSEWHERE = (
    "This entry was changed on another device. When you save, you will see both versions."
)


def bodies_of(live_server, title: str) -> list[tuple[str, bool]]:
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        person = db.exec(select(User).where(User.email == MORGAN)).one()
        entries = db.exec(select(JournalEntry).where(JournalEntry.user_id == person.id)).all()
        return sorted((e.body, e.draft) for e in entries if e.title == title)


def test_two_devices_editing_one_entry_meet_in_the_conflict_view_and_keep_both(pages, live_server):
    phone = pages.page()
    sign_in(phone, MORGAN, DEMO_PASSWORD, audit=False)
    title = phrase("two-devices")
    phone_words, laptop_words = phrase("phone"), phrase("laptop")
    entry_id = write_entry(phone, title, "Before the session.")

    laptop = pages.page(viewport={"width": 1280, "height": 900}, is_mobile=False)
    sign_in(laptop, MORGAN, DEMO_PASSWORD, audit=False)
    laptop.goto(f"/journal/{entry_id}/edit")
    phone.goto(f"/journal/{entry_id}/edit")

    # The phone's changes autosave (not saved yet, private) and move the version on.
    phone.get_by_label("Your words").fill(f"Before the session. {phone_words}")
    expect(phone.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=15_000)

    # The laptop still holds the first version: its autosave is refused, and it says so.
    laptop.get_by_label("Your words").fill(f"Before the session. {laptop_words}")
    expect(laptop.locator("[data-autosave-status]")).to_have_text(CHANGED_ELSEWHERE, timeout=15_000)

    # Its Save shows both texts; the phone's words are shown as not saved yet.
    laptop.get_by_role("button", name="Save entry").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Two versions of this entry")
    expect(laptop.get_by_text(re.compile(phone_words))).to_be_visible()
    expect(laptop.get_by_text(re.compile(laptop_words))).to_be_visible()
    expect(
        laptop.get_by_role("heading", name="Changes from another device, not saved yet")
    ).to_be_visible()
    check_page(laptop)
    assert bodies_of(live_server, title) == [("Before the session.", False)]

    # Keeping the laptop's text writes over the version the view showed.
    laptop.get_by_role("button", name="Keep this device's text").click()
    expect(laptop).to_have_url(re.compile(rf"/journal/{entry_id}$"))
    expect(laptop.get_by_role("status").first).to_contain_text(
        "Your text from this device is kept."
    )
    assert bodies_of(live_server, title) == [(f"Before the session. {laptop_words}", False)]

    # The phone, still on its page, now meets the laptop's save: it keeps both.
    phone.get_by_role("button", name="Save entry").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Two versions of this entry")
    expect(phone.get_by_role("heading", name="Saved version")).to_be_visible()
    expect(phone.get_by_text(re.compile(laptop_words))).to_be_visible()
    check_page(phone)
    phone.get_by_role("button", name="Keep both").click()
    expect(phone.get_by_role("status").first).to_contain_text("Both versions are kept")
    assert bodies_of(live_server, title) == sorted(
        [
            (f"Before the session. {laptop_words}", False),
            (f"Before the session. {phone_words}", False),
        ]
    )
