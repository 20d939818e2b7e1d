"""When the journal cannot save: nothing typed is lost, and the page says so truthfully.

Real conflicts (two phones editing one entry) where they can be arranged, a forced answer
(page.route) where they cannot. Also the reading room's focus after "Mark read".

Each test signs in a demo participant the other journeys leave alone, so the entries made
here change no count they rely on.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.content.loader import load_library
from app.journal import services
from app.models import Cohort, Membership, Role, User
from app.sessions import consent
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import sign_in
from tests.browser.test_feature_journeys import OUTBOX_META_JS, check_page, wait_until

pytestmark = pytest.mark.browser

RILEY = "participant4@example.org"  # Willow
MORGAN = "participant3@example.org"  # Cedar
TAYLOR = "participant5@example.org"  # Willow, signs in on a shared device here
QUINN = "participant6@example.org"  # Willow; for one test, in no small group
FACILITATOR = "facilitator@example.org"
COHORT_ID = 1
SAVED = "Draft saved."
QUEUED = "Saved on this phone; it will be sent when you are back online."

# The outbox's records, opened as the page opens them: with the signed-in person's key from
# /outbox/key (records are sealed with AES-GCM, the owner bound in as additional data).
KEPT_JS = """async () => {
    const records = await new Promise((resolve, reject) => {
        const open = indexedDB.open('tend-outbox', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const db = open.result;
            const all = db.transaction('records').objectStore('records').getAll();
            all.onsuccess = () => { db.close(); resolve(all.result); };
            all.onerror = () => { db.close(); reject(all.error); };
        };
    });
    let body = {};
    try {
        const answer = await fetch('/outbox/key', {cache: 'no-store', redirect: 'manual'});
        if (answer.ok) body = await answer.json();
    } catch (error) { /* offline: nothing can be opened */ }
    const key = body.key ? await crypto.subtle.importKey(
        'jwk', {kty: 'oct', k: body.key, alg: 'A256GCM', ext: false},
        {name: 'AES-GCM'}, false, ['decrypt']) : null;
    const opened = [];
    for (const r of records) {
        let fields = r.fields || null;
        if (r.sealed && key) {
            try {
                const plain = await crypto.subtle.decrypt({name: 'AES-GCM', iv: r.sealed.iv,
                    additionalData: new TextEncoder().encode('tend-outbox:' + r.owner)},
                    key, r.sealed.data);
                fields = JSON.parse(new TextDecoder().decode(plain));
            } catch (error) { fields = null; }
        }
        opened.push({
            kept: r.kept ? r.kept.state : null,
            sealed: !!r.sealed,
            body: fields ? new URLSearchParams(fields).get('body') : null,
            intent: fields ? new URLSearchParams(fields).get('intent') : null,
        });
    }
    return opened;
}"""


@pytest.fixture(scope="module", autouse=True)
def consents_on_file(live_server):
    """The people used here have signed their consents, as the demo's first two have, so
    signing in lands on the home page and not on the consent form."""
    engine = live_server.app.extensions["tend_engine"]
    settings = live_server.app.config["TEND"]
    library = load_library(Path(settings.content_root))
    with Session(engine) as db:
        for email in (RILEY, MORGAN, TAYLOR, QUINN):
            person = db.exec(select(User).where(User.email == email)).one()
            membership = db.exec(select(Membership).where(Membership.user_id == person.id)).one()
            cohort = db.get(Cohort, membership.cohort_id)
            signed = consent.current_records(db, person, cohort.id)
            for document in consent.documents(library, cohort.bundle_id, "en"):
                if document.item.id in signed:
                    continue
                choices = document.item.data.choices
                consent.sign(
                    db,
                    person,
                    cohort.id,
                    document,
                    choices[0].id if choices else None,
                    person.display_name,
                )


def phrase(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def learned_session(page: Page) -> None:
    meta = wait_until(lambda: page.evaluate(OUTBOX_META_JS), message="no outbox session")
    assert meta["signed_in"], meta


def write_entry(page: Page, title: str, text: str) -> int:
    """A saved entry, made through the page; returns its id."""
    page.goto("/journal/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("New entry")
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_label("Your words").fill(text)
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("Your entry is saved.")
    return int(re.search(r"/journal/(\d+)$", page.url).group(1))


def kept(page: Page) -> list[dict]:
    return [r for r in page.evaluate(KEPT_JS) if r["kept"]]


def type_offline_and_close(page: Page, entry_id: int, words: str) -> None:
    """Open the entry, lose the signal, type: the phone keeps it. Then close the page."""
    page.goto(f"/journal/{entry_id}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit entry")
    learned_session(page)
    status = page.locator("[data-autosave-status]")
    page.context.set_offline(True)
    try:
        page.get_by_label("Your words").press_sequentially(f" {words}", delay=5)
        expect(status).to_have_text(QUEUED, timeout=15_000)
    finally:
        page.close()


# ---- defect 1: a replay that meets a conflict keeps the text and offers the choice -----------


def test_offline_text_survives_a_real_conflict_and_both_are_kept(pages):
    phone = pages.context()
    first = phone.new_page()
    sign_in(first, RILEY, DEMO_PASSWORD, audit=False)
    title, offline_words, other_words = phrase("conflict"), phrase("offline"), phrase("laptop")
    entry_id = write_entry(first, title, "A first line.")
    type_offline_and_close(first, entry_id, offline_words)
    phone.set_offline(False)

    # Another device saves the same entry meanwhile.
    laptop = pages.page()
    sign_in(laptop, RILEY, DEMO_PASSWORD, audit=False)
    laptop.goto(f"/journal/{entry_id}/edit")
    laptop.get_by_label("Your words").fill(f"Written elsewhere: {other_words}")
    laptop.get_by_role("button", name="Save entry").click()
    expect(laptop.get_by_role("status").first).to_contain_text("Your changes are saved.")

    # Back online, the phone replays, meets the conflict, and keeps the text.
    page = phone.new_page()
    page.goto("/journal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your journal")
    wait_until(lambda: kept(page), message="the conflicted record was not kept")
    [record] = kept(page)
    assert record["kept"] == "conflict" and offline_words in record["body"]

    # The entry's page shows both: the phone's text in a notice, the saved one in the form.
    page.goto(f"/journal/{entry_id}/edit")
    notice = page.locator("[data-kept-notice]")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("heading")).to_have_text("Your text from this phone is safe")
    expect(notice).to_contain_text(offline_words)
    expect(page.get_by_label("Your words")).to_have_value(re.compile(other_words))
    expect(notice.get_by_role("button", name="Put it back in the form")).to_be_hidden()
    check_page(page)
    notice.get_by_role("button", name="Keep both").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))
    expect(page.get_by_role("status").first).to_contain_text("Both versions are kept")
    assert kept(page) == []
    expect(page.get_by_role("link", name=title)).to_have_count(2)

    # Nothing is offered again.
    page.goto(f"/journal/{entry_id}/edit")
    expect(page.get_by_label("Your words")).to_have_value(re.compile(other_words))
    page.wait_for_timeout(500)
    expect(page.locator("[data-kept-notice]")).to_be_hidden()


def test_offline_text_kept_over_a_conflict_can_replace_the_saved_one(pages):
    phone = pages.context()
    first = phone.new_page()
    sign_in(first, RILEY, DEMO_PASSWORD, audit=False)
    title, offline_words = phrase("mine"), phrase("offline")
    entry_id = write_entry(first, title, "Before the bus.")
    type_offline_and_close(first, entry_id, offline_words)
    phone.set_offline(False)

    laptop = pages.page()
    sign_in(laptop, RILEY, DEMO_PASSWORD, audit=False)
    laptop.goto(f"/journal/{entry_id}/edit")
    laptop.get_by_label("Your words").fill("Changed on the laptop.")
    laptop.get_by_role("button", name="Save entry").click()
    expect(laptop.get_by_role("status").first).to_contain_text("Your changes are saved.")

    # Straight to the entry's page: the replay happens as it loads, and the notice follows.
    page = phone.new_page()
    page.goto(f"/journal/{entry_id}/edit")
    notice = page.locator("[data-kept-notice]")
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Keep this device's text").click()
    expect(page).to_have_url(re.compile(rf"/journal/{entry_id}$"))
    expect(page.get_by_role("status").first).to_contain_text("Your text from this device is kept.")
    expect(page.get_by_text(offline_words)).to_be_visible()
    assert kept(page) == []


def test_offline_text_for_an_entry_deleted_elsewhere_becomes_a_new_entry(pages, live_server):
    phone = pages.context()
    first = phone.new_page()
    sign_in(first, RILEY, DEMO_PASSWORD, audit=False)
    title, offline_words = phrase("gone"), phrase("offline")
    entry_id = write_entry(first, title, "Soon deleted.")
    type_offline_and_close(first, entry_id, offline_words)
    phone.set_offline(False)

    # Deleted on another device (through the service: the delete page is another change's).
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        riley = db.exec(select(User).where(User.email == RILEY)).one()
        services.delete(db, riley, entry_id)

    page = phone.new_page()
    page.goto("/journal/")
    wait_until(lambda: kept(page), message="the record for a deleted entry was not kept")
    assert kept(page)[0]["kept"] == "gone"

    page.goto("/journal/new")
    notice = page.locator("[data-kept-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("deleted on another device")
    expect(notice).to_contain_text(offline_words)
    check_page(page)
    notice.get_by_role("button", name="Put it back in the form").click()
    words = page.get_by_label("Your words")
    expect(words).to_have_value(re.compile(offline_words))
    expect(words).to_be_focused()
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)
    expect(notice).to_be_hidden()
    assert kept(page) == []
    page.goto("/journal/")
    expect(page.get_by_role("link", name=title)).to_have_count(1)


def test_a_refused_replay_is_kept_and_put_back_in_the_form(pages):
    phone = pages.context()
    first = phone.new_page()
    sign_in(first, RILEY, DEMO_PASSWORD, audit=False)
    title, offline_words = phrase("refused"), phrase("offline")
    entry_id = write_entry(first, title, "A line.")
    type_offline_and_close(first, entry_id, offline_words)
    phone.set_offline(False)

    # The server refuses the replay (forced: a real one needs the form to change under it).
    def refuse(route):
        route.fulfill(
            status=422,
            content_type="application/json",
            body='{"saved": false, "errors": {"intensity": ["Please use a whole number."]}}',
        )

    phone.route("**/journal/autosave", refuse)
    page = phone.new_page()
    page.goto("/journal/")
    wait_until(lambda: kept(page), message="the refused record was not kept")
    assert kept(page)[0]["kept"] == "refused"
    phone.unroute("**/journal/autosave")

    page.goto(f"/journal/{entry_id}/edit")
    notice = page.locator("[data-kept-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Not saved yet: intensity must be a whole number from 0 to 10.")
    expect(notice.get_by_role("button", name="Keep both")).to_be_hidden()
    notice.get_by_role("button", name="Put it back in the form").click()
    expect(page.get_by_label("Your words")).to_have_value(re.compile(offline_words))
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)
    expect(notice).to_be_hidden()
    assert kept(page) == []


def test_letting_kept_text_go_is_a_choice(pages):
    phone = pages.context()
    first = phone.new_page()
    sign_in(first, RILEY, DEMO_PASSWORD, audit=False)
    entry_id = write_entry(first, phrase("letgo"), "A line.")
    type_offline_and_close(first, entry_id, phrase("offline"))
    phone.set_offline(False)
    phone.route(
        "**/journal/autosave",
        lambda route: route.fulfill(status=409, content_type="application/json", body="{}"),
    )
    page = phone.new_page()
    page.goto(f"/journal/{entry_id}/edit")
    notice = page.locator("[data-kept-notice]")
    expect(notice).to_be_visible()
    phone.unroute("**/journal/autosave")
    notice.get_by_role("button", name="Let it go").click()
    expect(notice).to_be_hidden()
    expect(page.locator("[data-autosave-status]")).to_have_text(
        "The text this phone kept is let go."
    )
    expect(page.get_by_label("Your words")).to_be_focused()
    assert kept(page) == []


# ---- defect 2: the status line tells the truth -----------------------------------------------


def test_an_invalid_intensity_is_reported_and_the_text_is_kept(pages):
    page = pages.page()
    sign_in(page, RILEY, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    learned_session(page)
    words = page.get_by_label("Your words")
    status = page.locator("[data-autosave-status]")
    first_words, later_words = phrase("first"), phrase("later")
    words.press_sequentially(f"Before the number: {first_words}.", delay=5)
    expect(status).to_have_text(SAVED, timeout=15_000)

    page.locator("details.extras summary").click()
    # The row offers only 0 to 10; a value changed under it is refused the same way.
    page.locator('input[name="intensity"][value="10"]').evaluate(
        "(input) => { input.value = '12'; input.click(); }"
    )
    message = "Not saved yet: intensity must be a whole number from 0 to 10."
    expect(status).to_have_text(message, timeout=15_000)
    words.press_sequentially(f" And after it: {later_words}", delay=5)
    page.wait_for_timeout(2_500)
    expect(status).to_have_text(message)
    check_page(page)
    entry_id = page.locator("[data-journal-form]").get_attribute("data-entry-id")
    assert entry_id

    # Closed while refused: the phone kept the latest text, and the entry's page offers it.
    phone = page.context
    page.close()
    page = phone.new_page()
    page.goto(f"/journal/{entry_id}/edit")
    notice = page.locator("[data-kept-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(later_words)
    expect(notice).to_contain_text(message)
    notice.get_by_role("button", name="Put it back in the form").click()
    # The row has no 12 to put back: the words come back and save, the number is chosen anew.
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=15_000)
    extras = page.locator("details.extras")
    if extras.get_attribute("open") is None:
        extras.locator("summary").click()
    page.locator(".segmented__option", has_text=re.compile(r"^\s*7\s*$")).click()
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=15_000)
    assert kept(page) == []
    page.goto(f"/journal/{entry_id}")
    expect(page.get_by_text(later_words)).to_be_visible()


@pytest.fixture
def quinn_without_a_group(live_server):
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        membership = db.exec(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(User.email == QUINN, Membership.role == Role.participant)
        ).one()
        group, membership.small_group_id = membership.small_group_id, None
        db.add(membership)
        db.commit()
        membership_id = membership.id
    try:
        yield
    finally:
        with Session(engine) as db:
            membership = db.get(Membership, membership_id)
            membership.small_group_id = group
            db.add(membership)
            db.commit()


def test_sharing_without_a_small_group_says_what_to_do(pages, quinn_without_a_group):
    page = pages.page()
    sign_in(page, QUINN, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    page.get_by_role("radio", name="My small group (facilitators included)").check()
    page.get_by_label("Your words").press_sequentially("Something for the circle.", delay=5)
    status = page.locator("[data-autosave-status]")
    expect(status).to_have_text(
        "Not saved yet: you are not in a small group yet, so for now this entry can only be "
        "private. Choose “Only me” and it will save.",
        timeout=15_000,
    )
    page.get_by_role("radio", name="Only me").check()
    expect(status).to_have_text(SAVED, timeout=15_000)


def test_a_shared_device_offline_says_nothing_is_kept(pages):
    page = pages.page()
    page.goto("/signin")
    page.get_by_label("Email").fill(TAYLOR)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("This is a shared or public device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    page.goto("/journal/new")
    learned_session(page)
    words = page.get_by_label("Your words")
    status = page.locator("[data-autosave-status]")
    words.press_sequentially("Written on the library computer.", delay=5)
    expect(status).to_have_text(SAVED, timeout=15_000)

    page.context.set_offline(True)
    try:
        words.press_sequentially(" The signal went.", delay=5)
        expect(status).to_have_text(
            "You are offline, and this shared device keeps nothing: keep this page open, "
            "or copy your text.",
            timeout=15_000,
        )
        page.get_by_role("button", name="Save entry").click()
        expect(status).to_have_text(
            "This is marked as a shared device, so nothing is kept on it. "
            "Connect to the internet to save."
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("New entry")
        assert page.evaluate(KEPT_JS) == []
    finally:
        page.context.set_offline(False)


def test_tapping_save_offline_keeps_the_text_on_the_phone(pages):
    page = pages.page()
    sign_in(page, RILEY, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    learned_session(page)
    page.context.set_offline(True)
    try:
        words = phrase("tapped")
        page.get_by_label("Your words").fill(f"Saved with a tap: {words}")
        page.get_by_role("button", name="Save entry").click()
        expect(page.locator("[data-autosave-status]")).to_have_text(QUEUED)
        # Offline, what the phone keeps is sealed: it opens again only with the person's key.
        assert [r["sealed"] for r in page.evaluate(KEPT_JS)] == [True]
    finally:
        page.context.set_offline(False)


def test_a_network_failure_is_reported(pages):
    page = pages.page()
    sign_in(page, RILEY, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    learned_session(page)
    page.context.route("**/journal/autosave", lambda route: route.abort("connectionrefused"))
    page.get_by_label("Your words").press_sequentially("The server is away.", delay=5)
    expect(page.locator("[data-autosave-status]")).to_have_text(
        "Saved on this phone: Tend could not be reached just now, so it will be sent later.",
        timeout=15_000,
    )


# ---- defect 3: the reading room keeps the keyboard's place -----------------------------------


def share_with_cedar(pages, title: str) -> None:
    page = pages.page(java_script_enabled=False)
    sign_in(page, MORGAN, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_label("Your words").fill(f"For the circle: {title}")
    page.get_by_role("radio", name="My small group (facilitators included)").check()
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("Your entry is saved.")


def open_cedar_week(page: Page) -> None:
    page.goto(f"/team/cohorts/{COHORT_ID}/reflections")
    page.get_by_role("region", name="Cedar").get_by_role("link", name="Week 3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cedar · Week 3")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_mark_read_keeps_the_keyboard_on_that_entry(pages, javascript):
    title = phrase("circle")
    share_with_cedar(pages, title)
    team = pages.page(java_script_enabled=javascript)
    sign_in(team, FACILITATOR, DEMO_PASSWORD, audit=False)
    open_cedar_week(team)
    article = team.get_by_role("article").filter(has_text=title)
    button = article.get_by_role("button", name=re.compile(r"^Mark read"))
    button.focus()
    team.keyboard.press("Enter")
    marker = team.get_by_role("article").filter(has_text=title).locator(".read-marker")
    expect(marker).to_have_text("✓ Read")
    if javascript:
        expect(marker).to_be_focused()
        # The next Tab goes on from this entry, not from the top of the page.
        team.keyboard.press("Tab")
        inside = team.evaluate(
            "(t) => !!document.activeElement.closest('article') && "
            "document.activeElement.closest('article').textContent.includes(t)",
            title,
        )
        assert inside
    else:
        expect(team).to_have_url(re.compile(r"#entry-\d+$"))
    check_page(team)
    # Another full page load focuses nothing by itself.
    open_cedar_week(team)
    assert team.evaluate("document.activeElement === document.body")
