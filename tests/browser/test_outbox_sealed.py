"""What the outbox keeps on the phone, in Chromium: sealed so nothing readable is left in
IndexedDB, a Save made offline replayed as a Save (sharing included), the words typed when the
session had ended offered back after the same person signs in again, deleted when another
person signs in, and checklist answers and exercise ratings the server refused offered back on
their own pages."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from babel.support import Translations
from playwright.sync_api import Page, expect
from sqlmodel import Session, select, update

from app.config import ROOT
from app.models import JournalEntry, SignInSession, User, utcnow
from app.sessions import checklist
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_feature_journeys import (
    OUTBOX_COUNT_JS,
    answer_checklist_items,
    check_page,
    exercise_records,
    session_one_id,
    switch_language,
    wait_until,
)
from tests.browser.test_journal_failures import (
    KEPT_JS,
    MORGAN,
    QUEUED,
    RILEY,
    TAYLOR,
    learned_session,
    phrase,
)
from tests.browser.test_journal_failures import consents_on_file as consents_on_file

pytestmark = pytest.mark.browser

# Every record, byte for byte as IndexedDB holds it: binary values (the sealed text) are read
# as Latin-1 and as UTF-8, so a canary in the clear would be found whatever its encoding.
RAW_OUTBOX_JS = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('tend-outbox', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const db = open.result;
        const all = db.transaction('records').objectStore('records').getAll();
        all.onsuccess = () => {
            db.close();
            const bytes = (value) => new Uint8Array(value.buffer || value);
            const flat = (value) => {
                if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
                    const raw = bytes(value);
                    return String.fromCharCode(...raw) + ' ' + new TextDecoder().decode(raw);
                }
                if (value && typeof value === 'object') {
                    return Object.entries(value).map(([k, v]) => k + '=' + flat(v)).join(' ');
                }
                return String(value);
            };
            resolve({count: all.result.length, text: all.result.map(flat).join('\\n')});
        };
        all.onerror = () => { db.close(); reject(all.error); };
    };
})"""

_CATALOG = Translations.load(str(ROOT / "translations"), ["fr_CA"])


def said(locale: str, message: str, context: str | None = None) -> str:
    """The words the page shows in that language, from the same catalog the app uses."""
    if locale == "en":
        return message
    return _CATALOG.pgettext(context, message) if context else _CATALOG.gettext(message)


def engine_of(live_server):
    return live_server.app.extensions["tend_engine"]


def person_id(live_server, email: str) -> int:
    with Session(engine_of(live_server)) as db:
        return db.exec(select(User.id).where(User.email == email)).one()


def entries_titled(live_server, email: str, title: str) -> list[JournalEntry]:
    """The person's entries with that title (titles are encrypted: compared once read)."""
    owner = person_id(live_server, email)
    with Session(engine_of(live_server)) as db:
        entries = db.exec(select(JournalEntry).where(JournalEntry.user_id == owner)).all()
        return [entry for entry in entries if entry.title == title]


def go_idle(live_server, email: str) -> None:
    """Every session of the person has been idle longer than the policy allows."""
    with Session(engine_of(live_server)) as db:
        db.exec(
            update(SignInSession)
            .where(SignInSession.user_id == person_id(live_server, email))
            .values(last_seen_at=utcnow() - timedelta(days=2))
        )
        db.commit()


def sign_in_again(page: Page, email: str) -> None:
    """The sign-in form in whatever language the page is in; lands on the home page."""
    page.goto("/signin")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-sign-out]")).to_be_visible()


def assert_no_plaintext(page: Page, *canaries: str) -> int:
    raw = page.evaluate(RAW_OUTBOX_JS)
    for canary in canaries:
        assert canary not in raw["text"], "the outbox holds typed words in the clear"
    return raw["count"]


def test_a_save_tapped_offline_is_replayed_as_a_save_with_its_sharing(pages, live_server):
    page = pages.page()
    sign_in_again(page, RILEY)
    page.goto("/journal/new")
    learned_session(page)
    title, canary, later = phrase("offline-save"), phrase("canary"), phrase("later")
    posted: list[dict] = []
    page.on(
        "request",
        lambda request: (
            posted.append(parse_qs(request.post_data or ""))
            if request.method == "POST" and request.url.endswith("/journal/autosave")
            else None
        ),
    )
    page.context.set_offline(True)
    try:
        page.get_by_label("Title (optional)").fill(title)
        page.get_by_label("Your words").fill(f"Written on the bus. {canary}")
        page.get_by_label("My small group (facilitators included)").check()
        page.get_by_role("button", name="Save entry").click()
        status = page.locator("[data-autosave-status]")
        expect(status).to_have_text(QUEUED)
        # More words after the Save: they join it, and no autosave is queued after it.
        page.get_by_label("Your words").press("End")
        page.get_by_label("Your words").press_sequentially(f" {later}", delay=5)
        page.wait_for_timeout(2_500)  # past the autosave's pause
        expect(status).to_have_text(QUEUED)
        assert assert_no_plaintext(page, canary, later, title) == 1
        check_page(page)
        assert posted == []
    finally:
        page.context.set_offline(False)

    # Back online, the outbox replays what waited: one Save, as the person chose it.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until(
        lambda: entries_titled(live_server, RILEY, title),
        message="the Save made offline never reached the server",
    )
    (entry,) = entries_titled(live_server, RILEY, title)
    assert entry.draft is False, "a Save made offline came back as a draft"
    assert entry.sharing == "group"
    assert canary in entry.body and later in entry.body
    wait_until(lambda: page.evaluate(OUTBOX_COUNT_JS) == 0, message="the outbox kept the Save")
    # (Playwright hands over the page's events while it is asked something, as just now.)
    assert posted and all(p.get("intent") == ["save"] for p in posted), posted


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_words_typed_after_the_session_ended_are_offered_back_and_kept(pages, live_server, locale):
    page = pages.page()
    sign_in_again(page, MORGAN)
    if locale != "en":
        switch_language(page, locale)
    try:
        page.goto("/journal/new")
        learned_session(page)
        title, first, canary = phrase("signed-out"), phrase("first"), phrase("canary")
        words = page.locator("textarea[name=body]")
        status = page.locator("[data-autosave-status]")
        page.locator("input[name=title]").fill(title)
        words.fill(f"Before the break. {first}")
        expect(status).to_have_text(said(locale, "Draft saved."), timeout=15_000)

        # The session goes idle while the person writes on; then they tap Save.
        go_idle(live_server, MORGAN)
        words.press("End")
        words.press_sequentially(f" {canary}", delay=5)
        page.locator("form[data-journal-form] button[type=submit]").click()
        expect(status).to_have_text(
            said(
                locale,
                "You are signed out, so this is not saved in Tend yet. Your words are kept on "
                "this phone, locked: sign in again and they will be offered back to you.",
            ),
            timeout=15_000,
        )
        assert page.url.endswith("/journal/new"), "Save left the page and its words"
        assert assert_no_plaintext(page, canary, first) >= 1
        check_page(page)

        # The same person signs in again: what they wrote is offered back, readable again.
        sign_in_again(page, MORGAN)
        notice = page.locator("[data-offered-back]")
        expect(notice).to_be_visible()
        expect(notice.get_by_role("heading", level=2)).to_have_text(
            said(locale, "You wrote this while signed out")
        )
        expect(notice).to_contain_text(canary)
        check_page(page)
        notice.get_by_role(
            "button", name=said(locale, "Keep it", "words kept on the phone")
        ).click()
        expect(
            page.get_by_role("status").filter(
                has_text=said(locale, "Kept: it is in your journal now.")
            )
        ).to_be_visible()
        expect(notice).to_be_hidden()
        (entry,) = entries_titled(live_server, MORGAN, title)
        assert canary in entry.body, "the words typed after the last autosave were lost"
        assert entry.draft is False, "a Save met by an ended session came back as a draft"
        wait_until(lambda: page.evaluate(OUTBOX_COUNT_JS) == 0, message="still kept")
        check_page(page)
    finally:
        if locale != "en":
            switch_language(page, "en")


def test_another_persons_sign_in_deletes_what_was_kept(pages, live_server):
    page = pages.page()
    sign_in_again(page, MORGAN)
    page.goto("/journal/new")
    learned_session(page)
    canary = phrase("canary")
    page.get_by_label("Title (optional)").fill(phrase("not-theirs"))
    go_idle(live_server, MORGAN)
    page.get_by_label("Your words").fill(f"Only mine. {canary}")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator("[data-autosave-status]")).to_contain_text("You are signed out")
    assert assert_no_plaintext(page, canary) == 1

    sign_in_again(page, TAYLOR)
    wait_until(lambda: page.evaluate(OUTBOX_COUNT_JS) == 0, message="another person's words stayed")
    expect(page.locator("[data-offered-back]")).to_be_hidden()
    check_page(page)

    # Morgan signing in again afterwards finds nothing: it is gone, not hidden.
    page.locator("[data-sign-out] button").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    sign_in_again(page, MORGAN)
    expect(page.locator("[data-offered-back]")).to_be_hidden()
    assert page.evaluate(KEPT_JS) == []


def test_a_refused_checklist_answer_is_offered_back_on_its_page(pages, live_server):
    page = pages.page()
    sign_in_again(page, RILEY)
    session_id = session_one_id(live_server)
    url = f"/sessions/{session_id}/checklist"
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your medicine session")
    learned_session(page)
    ride = f"Sam {phrase('ride')}"
    page.context.set_offline(True)
    try:
        answer_checklist_items(page, ride, "604-555-0177")
        page.get_by_role("button", name="Save my checklist").click()
        expect(page.locator("[data-outbox-status]")).to_have_text(
            "No connection: your answers are kept on this phone and will be sent when you are "
            "back online."
        )
        assert assert_no_plaintext(page, ride) == 1

        # The server refuses the replay (as it would once the checklist had closed), from the
        # moment the connection is back.
        def refuse(route) -> None:
            if route.request.method == "POST":
                route.fulfill(status=409, content_type="text/html", body="<p>closed</p>")
            else:
                route.continue_()

        page.route(re.compile(rf".*/sessions/{session_id}/checklist$"), refuse)
    finally:
        page.context.set_offline(False)
    page.reload()
    notice = page.locator("[data-kept-answers]")
    expect(notice).to_be_visible(timeout=15_000)
    expect(notice.get_by_role("heading", level=2)).to_have_text("You answered this on your phone")
    check_page(page)
    page.unroute(re.compile(rf".*/sessions/{session_id}/checklist$"))

    # Sent again, on the person's tap: Tend has it, and the page shows it as saved.
    notice.get_by_role("button", name="Send it").click()
    expect(page.locator("[data-kept-answers]")).to_be_hidden(timeout=15_000)
    with Session(engine_of(live_server)) as db:
        record = checklist.submission(db, person_id(live_server, RILEY), session_id)
        assert ride in str(checklist.answers_of(record))
    wait_until(lambda: page.evaluate(OUTBOX_COUNT_JS) == 0, message="the answers stayed kept")


def test_a_refused_exercise_rating_is_offered_back_on_its_page(pages, live_server):
    page = pages.page()
    sign_in_again(page, TAYLOR)
    page.goto("/settle/extended-exhale")
    expect(page.get_by_role("heading", level=1)).to_have_text("Extended exhale")
    learned_session(page)
    before = exercise_records(live_server, TAYLOR)
    player = page.locator("[data-player]")
    saving = re.compile(r".*/settle/records$")
    page.context.set_offline(True)
    try:
        page.get_by_role("radio", name="1 minute").check()
        page.get_by_role("button", name="Begin").click()
        expect(player).to_have_attribute("data-state", "running")
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="Stop").click()
        page.locator('[data-rating="after"]').get_by_role("radio", name="3", exact=True).check()
        page.get_by_role("button", name="Save to my history").click()
        expect(player).to_have_attribute("data-save-state", "queued")
        # Refused from the moment the connection is back.
        page.route(
            saving,
            lambda route: route.fulfill(status=422, content_type="application/json", body="{}"),
        )
    finally:
        page.context.set_offline(False)
    page.reload()
    notice = page.locator("[data-kept-answers]")
    expect(notice).to_be_visible(timeout=15_000)
    expect(notice.get_by_role("heading", level=2)).to_have_text("You answered this on your phone")
    check_page(page)
    page.unroute(saving)
    notice.get_by_role("button", name="Send it").click()
    expect(page.locator("[data-kept-answers]")).to_be_hidden(timeout=15_000)
    assert exercise_records(live_server, TAYLOR) == before + 1


def test_a_session_ending_as_save_is_posted_keeps_the_words(pages, live_server):
    page = pages.page()
    sign_in_again(page, MORGAN)
    page.goto("/journal/new")
    learned_session(page)
    title, canary = phrase("on-the-way"), phrase("canary")
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_label("Your words").fill(f"Right as I tapped Save. {canary}")

    # The session ends after the page checked it and before the Save arrives.
    def end_then_post(route) -> None:
        if route.request.method == "POST":
            go_idle(live_server, MORGAN)
        route.continue_()

    page.route(re.compile(r".*/journal/new$"), end_then_post)
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator("[data-autosave-status]")).to_contain_text(
        "You are signed out", timeout=15_000
    )
    assert page.url.endswith("/journal/new")
    assert assert_no_plaintext(page, canary) == 1
    page.unroute(re.compile(r".*/journal/new$"))

    sign_in_again(page, MORGAN)
    notice = page.locator("[data-offered-back]")
    expect(notice).to_contain_text(canary)
    notice.get_by_role("button", name="Keep it").click()
    expect(notice).to_be_hidden()
    (entry,) = entries_titled(live_server, MORGAN, title)
    assert canary in entry.body and entry.draft is False
