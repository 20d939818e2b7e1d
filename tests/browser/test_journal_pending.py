"""Changing a shared entry at phone size: what autosave keeps waits, private, until the person
saves it; a peer reads only what was saved; deleting asks first. In English and in French,
axe-core on every page visited."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import sign_in
from tests.browser.test_feature_journeys import (
    PARTICIPANT,
    PARTICIPANT2,
    check_page,
    switch_language,
)

pytestmark = pytest.mark.browser


def test_changes_to_a_shared_entry_reach_the_group_only_when_saved(pages):
    saved_phrase = f"saved-{uuid.uuid4().hex[:8]}"
    typed_phrase = f"typed-{uuid.uuid4().hex[:8]}"
    title = f"Shared {uuid.uuid4().hex[:6]}"

    page = pages.page()
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_label("Your words").fill(f"What I chose to share: {saved_phrase}.")
    page.get_by_role("radio", name="My small group (facilitators included)").check()
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("Your entry is saved.")

    # Typing over it: autosave keeps the words, and the group does not see them.
    page.get_by_role("link", name="Edit", exact=True).click()
    words = page.get_by_label("Your words")
    words.press("Control+End")
    words.press_sequentially(f" Then, half a thought: {typed_phrase}", delay=10)
    expect(page.locator("[data-autosave-status]")).to_have_text("Draft saved.", timeout=15_000)

    peer = pages.page()
    sign_in(peer, PARTICIPANT2, DEMO_PASSWORD, audit=False)
    peer.goto("/journal/group")
    expect(peer.get_by_text(saved_phrase, exact=False)).to_have_count(1)
    expect(peer.get_by_text(typed_phrase, exact=False)).to_have_count(0)

    # Later, from the list: the entry waits among the unfinished, with its words kept.
    page.goto("/journal/")
    unfinished = page.get_by_role("main").get_by_role("list").first
    expect(unfinished.get_by_text("Changes not saved yet", exact=False)).to_be_visible()
    check_page(page)
    unfinished.get_by_role("link", name=title).click()
    expect(page.get_by_text("are not saved yet", exact=False)).to_be_visible()
    expect(page.get_by_label("Your words")).to_have_value(
        f"What I chose to share: {saved_phrase}. Then, half a thought: {typed_phrase}"
    )
    check_page(page)
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("Your changes are saved.")

    peer.reload()
    expect(peer.get_by_text(typed_phrase, exact=False)).to_have_count(1)

    # Deleting asks first; keeping it changes nothing.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_role("link", name="Delete this entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this entry?")
    check_page(page)
    page.get_by_role("link", name="Keep it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # The same pages in French.
    try:
        switch_language(page, "fr_CA")
        page.get_by_role("link", name="Modifier", exact=True).click()
        page.get_by_label("Vos mots").press("Control+End")
        page.get_by_label("Vos mots").press_sequentially(" Encore un mot.", delay=10)
        expect(page.locator("[data-autosave-status]")).to_have_text(
            "Brouillon enregistré.", timeout=15_000
        )
        page.reload()
        expect(page.get_by_text("ne sont pas encore enregistrés", exact=False)).to_be_visible()
        check_page(page)
        page.get_by_role("button", name="Laisser aller ces changements").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.get_by_role("link", name="Modifier", exact=True).click()
        page.get_by_role("link", name="Supprimer cette entrée").click()
        # The link is boosted: wait for the page it asks for, not the one it leaves.
        expect(page.get_by_role("button", name="La supprimer")).to_be_visible()
        check_page(page)
        page.get_by_role("button", name="La supprimer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre journal")
    finally:
        switch_language(page, "en")
    peer.reload()
    expect(peer.get_by_text(saved_phrase, exact=False)).to_have_count(0)
