"""Feature journeys in Chromium at phone size (issues 3 to 7), axe-core on every page visited.

They reuse the live server, the phone-sized contexts and the page checks of conftest.py and
helpers.py. The server's database is shared by the whole session, so each journey leaves the
demo people as it found them where that matters (English as their language) and reads what
it needs to count from the database before and after.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlmodel import Session, func, select

from app.config import ROOT
from app.models import ExerciseRecord, User
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import (
    CACHED_URLS_JS,
    assert_no_axe_violations,
    assert_no_csp_violations,
    assert_touch_targets,
    sign_in,
)

pytestmark = pytest.mark.browser

PARTICIPANT = "participant@example.org"  # Jordan, Cedar: intake done, checklist ready
PARTICIPANT2 = "participant2@example.org"  # Casey, Cedar: intake due, checklist not started
FACILITATOR = "facilitator@example.org"
MEDICAL = "medical@example.org"
COHORT_ID = 1
WEEKS = ROOT / "app" / "content" / "bundles" / "core" / "weeks"


# ---- the checks on every page ------------------------------------------------------------------


def check_page(page: Page) -> None:
    """Zero axe-core violations, 44 px targets, nothing refused by the CSP. (Unlike
    helpers.check_page, script errors are not asserted: offline pages log failed fetches.)"""
    page.wait_for_load_state("load")
    assert_no_axe_violations(page)
    assert_touch_targets(page)
    assert_no_csp_violations(page)


# ---- small helpers --------------------------------------------------------------------------


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def week_theme(number: int, locale: str) -> str:
    return front_matter(WEEKS / f"{number:02d}.{locale}.md")["theme"]


def named(action: str, thing: str) -> re.Pattern:
    """'Action: thing', where the thing is visually hidden (its name gains a space: 'Action :')."""
    return re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(thing)}$")


def switch_language(page: Page, to: str) -> None:
    """The footer's language button: a full page load in the other language."""
    name, lang = {"fr_CA": ("Français", "fr-CA"), "en": ("English", "en")}[to]
    page.get_by_role("contentinfo").get_by_role("button", name=name).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def user_id(live_server, email: str) -> int:
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        return db.exec(select(User.id).where(User.email == email)).one()


def exercise_records(live_server, email: str) -> int:
    engine = live_server.app.extensions["tend_engine"]
    person = user_id(live_server, email)
    with Session(engine) as db:
        return db.exec(
            select(func.count()).select_from(ExerciseRecord).where(ExerciseRecord.user_id == person)
        ).one()


def wait_until(predicate, *, timeout: float = 15.0, interval: float = 0.25, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(interval)


# ---- 1. (issue 3) this week → a practice → tried, in both languages -------------------------


def test_week_practice_tried_in_both_languages(pages):
    page = pages.page()
    sign_in(page, PARTICIPANT, DEMO_PASSWORD)
    check_page(page)
    try:
        page.get_by_role("link", name="Open this week").click()
        expect(page).to_have_url(re.compile(r"/week/3$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(week_theme(3, "en"))
        check_page(page)

        practices = page.get_by_role("region", name="Practices for this week")
        first = practices.get_by_role("listitem").first.get_by_role("link")
        title = first.inner_text().strip()
        first.click()
        expect(page).to_have_url(re.compile(r"/week/3/practice/[\w-]+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        check_page(page)

        # htmx swaps the form in place: the page (and this marker) stays.
        page.evaluate("window.__samePage = true")
        page.get_by_role("button", name=named("I tried this", title)).click()
        expect(
            page.get_by_role("status").filter(has_text="You tried this practice")
        ).to_be_visible()
        expect(page.get_by_role("button", name=named("Unmark", title))).to_be_visible()
        assert page.evaluate("window.__samePage === true"), "the toggle reloaded the page"
        check_page(page)

        # Reloaded, the practice is still marked, and the week shows it as tried.
        page.reload()
        expect(page.get_by_role("button", name=named("Unmark", title))).to_be_visible()

        switch_language(page, "fr_CA")
        expect(
            page.get_by_role("status").filter(has_text="Vous avez essayé cette pratique")
        ).to_be_visible()
        expect(page.get_by_role("button", name=re.compile(r"^Annuler\s*:"))).to_be_visible()
        check_page(page)
        page.get_by_role("link", name=re.compile(r"Semaine 3")).first.click()
        expect(page).to_have_url(re.compile(r"/week/3$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(week_theme(3, "fr_CA"))
        expect(page.locator(".practice-card").filter(has_text="✓ essayée")).to_have_count(1)
        check_page(page)

        switch_language(page, "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(week_theme(3, "en"))
        expect(page.locator(".practice-card").filter(has_text="✓ tried")).to_have_count(1)
        expect(page.locator(".practice-card").filter(has_text=title)).to_contain_text("✓ tried")
        check_page(page)
    finally:
        if page.locator("html").get_attribute("lang") != "en":
            switch_language(page, "en")


# ---- 2. (issue 4) the guided player: timing, drift, reduced motion, offline ------------------

WATCH_PLAYER_JS = """() => {
    const root = document.querySelector('[data-player]');
    const text = root.querySelector('[data-phase-text]');
    window.__segments = [];
    window.__states = [];
    new MutationObserver((records) => {
        const now = performance.now();
        for (const record of records) {
            if (record.attributeName === 'data-segment') {
                window.__segments.push(
                    {t: now, segment: Number(root.dataset.segment), label: text.textContent});
            } else if (record.attributeName === 'data-state') {
                window.__states.push({t: now, state: root.dataset.state});
            }
        }
    }).observe(root, {attributes: true, attributeFilter: ['data-segment', 'data-state']});
}"""

BOX_LABELS = ["Breathe in", "Hold gently", "Breathe out", "Rest before the next breath"]


def open_player(page: Page, exercise_id: str, minutes: int) -> dict:
    page.goto(f"/settle/{exercise_id}")
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "ready")
    check_page(page)
    page.get_by_role("radio", name=f"{minutes} minute" + ("" if minutes == 1 else "s")).check()
    page.evaluate(WATCH_PLAYER_JS)
    return page.evaluate("JSON.parse(document.querySelector('[data-player]').dataset.player)")


def test_box_breathing_two_cycles_labels_and_timing(pages):
    page = pages.page()
    data = open_player(page, "box-breathing", 1)
    assert [part["seconds"] for part in data["parts"]] == [4, 4, 4, 4]
    page.get_by_role("button", name="Begin").click()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "running")
    expect(page.locator("[data-phase-text]")).to_have_text("Breathe in")
    # Two cycles are 8 phases; the 9th change closes the 8th phase (32 s after Begin). Nothing
    # else runs in the page meanwhile (axe-core would share its main thread with the player).
    page.wait_for_function("() => window.__segments.length >= 9", timeout=40_000)
    segments = page.evaluate("window.__segments")[:9]
    check_page(page)  # the player while it runs
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "stopped")
    expect(page.get_by_role("heading", name="Well done for taking this time.")).to_be_focused()
    check_page(page)

    assert [s["segment"] for s in segments] == list(range(9))
    assert [s["label"] for s in segments] == (BOX_LABELS * 3)[:9]
    durations = [round(b["t"] - a["t"], 1) for a, b in zip(segments, segments[1:], strict=False)]
    print(f"\nbox breathing phase durations (ms): {durations}")
    off = [d for d in durations if abs(d - 4000) > 150]
    assert not off, f"phases should last 4000 ± 150 ms, measured {durations}"


def test_resonance_breathing_five_minutes_without_drift(pages):
    page = pages.page()
    data = open_player(page, "resonance-breathing", 5)
    scheduled = data["timelines"]["5"][-1][2]  # seconds, whole 11 s cycles
    page.get_by_role("button", name="Begin").click()
    page.wait_for_function(
        "() => window.__states.some((s) => s.state === 'finished')",
        timeout=int(scheduled * 1000 * 1.05) + 10_000,
    )
    states = page.evaluate("window.__states")
    started = next(s["t"] for s in states if s["state"] == "running")
    finished = next(s["t"] for s in states if s["state"] == "finished")
    measured = (finished - started) / 1000
    drift = measured - scheduled
    print(
        f"\nresonance breathing: scheduled {scheduled:.3f} s, measured {measured:.3f} s, "
        f"drift {drift * 1000:+.1f} ms ({drift / scheduled:+.4%})"
    )
    assert abs(drift) <= 0.01 * scheduled
    # Every boundary kept its place on the clock too, not only the last one.
    segments = page.evaluate("window.__segments")
    timeline = data["timelines"]["5"]
    assert len(segments) == len(timeline)
    worst = max(abs((s["t"] - started) / 1000 - timeline[s["segment"]][1]) for s in segments)
    print(f"worst boundary error: {worst * 1000:.1f} ms")
    assert worst <= 0.01 * scheduled
    check_page(page)


def test_reduced_motion_shows_a_count_and_no_pacer(pages):
    page = pages.page(reduced_motion="reduce")
    open_player(page, "box-breathing", 1)
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-reduced-motion", "true")
    page.get_by_role("button", name="Begin").click()
    expect(player).to_have_attribute("data-state", "running")
    shape = page.locator("[data-pacer]")
    assert shape.evaluate("(el) => getComputedStyle(el).display") == "none"
    assert shape.evaluate("(el) => el.style.transitionDuration") == ""
    count = page.locator("[data-count]")
    expect(count).to_be_visible()
    expect(count).to_have_text(re.compile(r"^[1-4]$"))
    check_page(page)
    page.get_by_role("button", name="Stop").click()
    expect(player).to_have_attribute("data-state", "stopped")


OUTBOX_META_JS = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('tend-outbox', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('meta')) { db.close(); resolve(null); return; }
        const read = db.transaction('meta').objectStore('meta').get('last');
        read.onsuccess = () => { db.close(); resolve(read.result || null); };
        read.onerror = () => { db.close(); reject(read.error); };
    };
})"""


OUTBOX_COUNT_JS = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('tend-outbox', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const db = open.result;
        const count = db.transaction('records').objectStore('records').count();
        count.onsuccess = () => { db.close(); resolve(count.result); };
        count.onerror = () => { db.close(); reject(count.error); };
    };
})"""


def test_offline_exercise_and_rating_reach_the_server_once(pages, live_server):
    page = pages.page()
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    # Signed in and online, the page tells the outbox who may keep records on this phone.
    meta = wait_until(
        lambda: page.evaluate(OUTBOX_META_JS), message="the outbox never learned who signed in"
    )
    assert meta["signed_in"] and meta["outbox"], meta
    before = exercise_records(live_server, PARTICIPANT)

    page.goto("/settle/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settle now")
    check_page(page)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function(
        "navigator.serviceWorker.ready.then((r) => r.active && r.active.state === 'activated')"
    )
    wait_until(
        lambda: (
            {"/settle/", "/settle/extended-exhale", "/static/js/player.js"}
            <= set(page.evaluate(CACHED_URLS_JS))
        ),
        message="the service worker did not cache the exercise pages",
    )

    page.context.set_offline(True)
    try:
        page.goto("/settle/extended-exhale")
        expect(page.get_by_role("heading", level=1)).to_have_text("Extended exhale")
        player = page.locator("[data-player]")
        expect(player).to_have_attribute("data-state", "ready")
        check_page(page)
        page.get_by_role("radio", name="1 minute").check()
        page.get_by_role("button", name="Begin").click()
        expect(player).to_have_attribute("data-state", "running")
        page.wait_for_timeout(2_000)
        page.get_by_role("button", name="Stop").click()
        expect(player).to_have_attribute("data-state", "stopped")
        after = page.locator('[data-rating="after"]')
        after.get_by_role("radio", name="3", exact=True).check()
        page.get_by_role("button", name="Save to my history").click()
        expect(page.locator("[data-save-status]")).to_have_text(
            "Saved on this phone. It will be sent when you are back online."
        )
        expect(player).to_have_attribute("data-save-state", "queued")
        assert page.evaluate(OUTBOX_COUNT_JS) == 1
        check_page(page)
        assert exercise_records(live_server, PARTICIPANT) == before
    finally:
        page.context.set_offline(False)

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Extended exhale")
    wait_until(
        lambda: exercise_records(live_server, PARTICIPANT) > before,
        message="the rating made offline never reached the server",
    )
    # The outbox is empty, and another load replays nothing: the server kept one record.
    wait_until(lambda: page.evaluate(OUTBOX_COUNT_JS) == 0, message="the outbox kept the record")
    page.reload()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    page.wait_for_timeout(1_000)
    assert exercise_records(live_server, PARTICIPANT) == before + 1

    page.goto("/settle/history")
    expect(page.get_by_role("heading", level=1)).to_have_text("How the exercises felt")
    rows = page.get_by_role("row").filter(has_text="Extended exhale")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("cell").nth(3)).to_have_text("3")
    check_page(page)


# ---- 3. (issue 5) the journal: no JavaScript, autosave offline, the reading room -------------


def test_journal_without_javascript_autosave_offline_and_reading_room(pages):
    private_phrase = f"private-{uuid.uuid4().hex[:10]}"
    shared_phrase = f"shared-{uuid.uuid4().hex[:10]}"

    # Without JavaScript: a plain form, saved on submit. Private by default.
    plain = pages.page(java_script_enabled=False)
    sign_in(plain, PARTICIPANT, DEMO_PASSWORD)
    plain.goto("/journal/")
    expect(plain.get_by_role("heading", level=1)).to_have_text("Your journal")
    check_page(plain)
    plain.get_by_role("link", name="Write an entry").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("New entry")
    check_page(plain)
    plain.get_by_label("Title (optional)").fill("Late at night")
    plain.get_by_label("Your words").fill(f"Nobody else should read this: {private_phrase}.")
    expect(plain.get_by_role("radio", name="Only me")).to_be_checked()
    plain.get_by_role("button", name="Save entry").click()
    expect(plain.get_by_role("status").first).to_contain_text("Your entry is saved.")
    expect(plain.get_by_text(private_phrase)).to_be_visible()
    expect(plain.get_by_text("Only you can read this")).to_be_visible()
    check_page(plain)

    # With JavaScript: autosave, then offline typing waits in the outbox.
    page = pages.page()
    sign_in(page, PARTICIPANT, DEMO_PASSWORD, audit=False)
    page.goto("/journal/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("New entry")
    check_page(page)
    page.get_by_label("Title (optional)").fill("Written on the bus")
    page.get_by_role("radio", name="My small group (facilitators included)").check()
    words = page.get_by_label("Your words")
    words.press_sequentially("The window of tolerance felt wider today. ", delay=10)
    status = page.locator("[data-autosave-status]")
    expect(status).to_have_text("Draft saved.", timeout=15_000)

    page.context.set_offline(True)
    try:
        words.press_sequentially(
            f"Then the signal went and I kept writing: {shared_phrase}", delay=10
        )
        expect(status).to_have_text(
            "Saved on this phone; it will be sent when you are back online.", timeout=15_000
        )
    finally:
        page.context.set_offline(False)
    latest = words.input_value()

    # Back online, the outbox replays: one unfinished entry, holding every word typed.
    def replayed() -> bool:
        page.goto("/journal/")
        drafts = page.get_by_role("link", name="Written on the bus")
        if drafts.count() != 1:
            return False
        drafts.click()
        return page.get_by_label("Your words").input_value() == latest

    wait_until(replayed, message="the text typed offline never reached the server")
    page.goto("/journal/")
    expect(page.get_by_role("heading", name="Unfinished")).to_be_visible()
    expect(page.get_by_text("Written on the bus")).to_have_count(1)
    check_page(page)

    # Finish it: the draft holds the latest text and the group sharing; save it for good.
    page.get_by_role("link", name="Written on the bus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit entry")
    expect(page.get_by_label("Your words")).to_have_value(latest)
    expect(page.get_by_role("radio", name="My small group (facilitators included)")).to_be_checked()
    check_page(page)
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("status").first).to_contain_text("Your changes are saved.")
    expect(page.get_by_text("Your small group and its facilitators can read this.")).to_be_visible()
    check_page(page)
    page.goto("/journal/")
    expect(page.get_by_role("heading", name="Unfinished")).to_have_count(0)
    expect(page.get_by_text("Written on the bus")).to_have_count(1)
    expect(page.get_by_text(shared_phrase)).to_have_count(1)

    # The facilitator reads what Cedar shared for week 3, and never the private entry.
    team = pages.page()
    sign_in(team, FACILITATOR, DEMO_PASSWORD, audit=False)
    team.goto(f"/team/cohorts/{COHORT_ID}/reflections")
    expect(team.get_by_role("heading", level=1)).to_have_text("Shared reflections")
    check_page(team)
    cedar = team.get_by_role("region", name="Cedar")
    cedar.get_by_role("link", name="Week 3").click()
    expect(team.get_by_role("heading", level=1)).to_have_text("Cedar · Week 3")
    expect(team.get_by_role("article").filter(has_text=shared_phrase)).to_have_count(1)
    expect(team.get_by_text("Writing the kind letter felt strange", exact=False)).to_be_visible()
    expect(team.get_by_text(private_phrase)).to_have_count(0)
    assert private_phrase not in team.content()
    check_page(team)
    try:
        switch_language(team, "fr_CA")
        expect(team.get_by_role("heading", level=1)).to_have_text("Cedar · Semaine 3")
        expect(team.get_by_role("article").filter(has_text=shared_phrase)).to_have_count(1)
        assert private_phrase not in team.content()
        check_page(team)
    finally:
        switch_language(team, "en")


# ---- 4. (issue 6) PHQ-9 item 9 → support page → the facilitator acknowledges the flag -------


def test_phq9_item_nine_support_and_flag_acknowledged(pages):
    """Item 9 answered and the person stops before Finish: the team sees the flag, and the
    participant sees 9-8-8 at once and on their home until someone follows up."""
    page = pages.page()
    sign_in(page, PARTICIPANT2, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Casey")
    page.get_by_role("link", name="Open check-ins").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-ins")
    check_page(page)
    page.get_by_role("button", name=re.compile(r"^(Begin|Continue)\s*:.*your mood")).click()

    support = page.get_by_role("heading", level=1, name="You don't have to hold this alone")
    for _screen in range(20):
        eyebrow = page.locator("p.eyebrow")
        expect(eyebrow.or_(support)).to_be_visible()
        if support.count():
            break
        match = re.search(r"Screen (\d+) of (\d+)", eyebrow.inner_text())
        assert match, f"not a questionnaire screen: {eyebrow.inner_text()!r}"
        check_page(page)
        for question in page.locator("fieldset.question").all():
            name = question.locator("input").first.get_attribute("name")
            answer = "Several days" if name == "q9" else "Not at all"
            options = question.get_by_role("radio", name=answer, exact=True)
            if options.count():
                options.check()
            else:  # the difficulty item
                question.get_by_role("radio", name="Not difficult at all").check()
        # A tapped answer on a one-question screen moves on by itself.
        if not page.locator("form[data-advance-on-choose]").count():
            page.get_by_role("button", name=re.compile(r"^(Next|Finish)$")).click()
        following = page.locator("p.eyebrow").filter(has_text=f"Screen {int(match[1]) + 1} of")
        expect(following.or_(support)).to_be_visible()
    else:
        raise AssertionError("the PHQ-9 never reached its end")
    # The crisis page came straight after item 9's screen (9 of 10), before Finish.
    assert match and int(match[1]) == 9, match

    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have to hold this alone")
    expect(page.get_by_role("link", name=re.compile(r"Call 9-8-8"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Call 9-8-8"))).to_have_attribute(
        "href", re.compile(r"^tel:")
    )
    expect(page.get_by_role("link", name="Continue when you are ready")).to_be_visible()
    check_page(page)
    # They stop here and go home: the calm card says the team knows, with the lines.
    page.goto("/")
    told = page.get_by_role("region", name="Your team has been told")
    expect(told).to_be_visible()
    expect(told.get_by_role("link", name=re.compile("Call 9-8-8"))).to_have_attribute(
        "href", re.compile(r"^tel:")
    )
    check_page(page)

    team = pages.page()
    sign_in(team, MEDICAL, DEMO_PASSWORD, audit=False)
    team.goto(f"/team/cohorts/{COHORT_ID}/flags")
    expect(team.get_by_role("heading", level=1)).to_have_text("Safety flags")
    flag = team.locator(".flag").filter(has=team.get_by_role("heading", name=re.compile("Casey")))
    expect(flag).to_have_count(1)
    # The instrument and the rule (item 9), never the answer itself.
    expect(flag).to_contain_text("(PHQ-9): Thoughts of being better off dead or of self-harm")
    expect(flag).not_to_contain_text("Several days")
    check_page(team)
    flag.get_by_role("button", name=named("Acknowledge", "Casey")).click()
    expect(flag).to_contain_text("acknowledged")
    expect(flag.get_by_role("button", name=named("Acknowledge", "Casey"))).to_have_count(0)
    check_page(team)


# ---- 5. (issue 7) the pre-session checklist, with and without JavaScript, and the board -----

RIDE_NAME = "Dana Okafor"
RIDE_PHONE = "604-555-0199"
RIDE_PHONE_SHOWN = "(604) 555-0199"  # as the app stores and shows it


def answer_checklist_items(page: Page, ride_name: str, ride_phone: str) -> None:
    """Answer what the page shows: yes to every question, a ride home, an intention."""
    clear = {item.id: item.clear_answer for item in pre_session_items()}
    for question in page.locator("fieldset.question").all():
        radios = question.locator("input[type=radio]")
        if radios.count():
            name = radios.first.get_attribute("name")
            question.locator(f"input[type=radio][value={clear[name]}]").check()
        else:
            question.get_by_label("Their name").fill(ride_name)
            question.get_by_label("Their phone number").fill(ride_phone)
    for text in page.locator("textarea").all():
        text.fill("To be gentle with myself.")


def pre_session_items():
    from app.content import load_library

    library = load_library(ROOT / "app" / "content" / "bundles")
    return library.get("checklist", "pre-session", "en", "core").item.data.items


def session_one_id(live_server) -> int:
    from app.models import MedicineSession

    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        return db.exec(
            select(MedicineSession.id).where(
                MedicineSession.cohort_id == COHORT_ID, MedicineSession.number == 1
            )
        ).one()


def test_checklist_with_and_without_javascript_and_readiness_board(pages, live_server):
    # Casey, with JavaScript: one item per step.
    page = pages.page()
    sign_in(page, PARTICIPANT2, DEMO_PASSWORD, audit=False)
    card = page.get_by_role("region", name="Your checklist is open")
    expect(card).to_contain_text("Not started yet.")
    check_page(page)
    card.get_by_role("link", name="Open the checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your medicine session")
    total = None
    for _step in range(30):
        eyebrow = page.locator("p.eyebrow").inner_text()
        match = re.search(r"Step (\d+) of (\d+)", eyebrow)
        assert match, f"not a step page: {eyebrow!r}"
        step, total = int(match[1]), int(match[2])
        check_page(page)
        answer_checklist_items(page, RIDE_NAME, RIDE_PHONE)
        last = step == total
        page.get_by_role("button", name="Save my checklist" if last else "Next").click()
        if last:
            break
        expect(page.locator("p.eyebrow")).to_contain_text(f"Step {step + 1} of {total}")
    assert total and total > 1
    expect(page.get_by_role("heading", level=1)).to_have_text("Your checklist")
    expect(page.get_by_text("You're ready. Thank you for preparing so carefully.")).to_be_visible()
    check_page(page)

    # Jordan, without JavaScript: everything on one page.
    plain = pages.page(java_script_enabled=False)
    sign_in(plain, PARTICIPANT, DEMO_PASSWORD, audit=False)
    plain.get_by_role("region", name="Your checklist is open").get_by_role(
        "link", name="Open the checklist"
    ).click()
    plain.get_by_role("link", name="See all on one page").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("Before your medicine session")
    expect(plain.locator("p.eyebrow")).to_have_count(0)
    assert plain.locator("fieldset.question").count() >= 8
    check_page(plain)
    answer_checklist_items(plain, "Alex Morgan", "604-555-0134")
    plain.get_by_role("button", name="Save my checklist").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("Your checklist")
    expect(plain.get_by_text("You're ready. Thank you for preparing so carefully.")).to_be_visible()
    check_page(plain)

    # The medical lead sees Casey's checklist done, with the ride home.
    nurse = pages.page()
    sign_in(nurse, MEDICAL, DEMO_PASSWORD, audit=False)
    nurse.goto(f"/team/cohorts/{COHORT_ID}/timeline")
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Timeline")
    check_page(nurse)
    session_card = nurse.get_by_role("listitem").filter(
        has=nurse.get_by_role("heading", name="Medicine session 1")
    )
    session_card.get_by_role("link", name="Readiness board").click()
    expect(nurse).to_have_url(
        re.compile(rf"/team/cohorts/{COHORT_ID}/sessions/{session_one_id(live_server)}/board$")
    )
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Readiness for session 1")
    # On a phone, one card per person. Casey's checklist is done but her medical intake is
    # not: the board says so and does not call her ready.
    people = nurse.locator(".board-cards")
    casey = people.get_by_role("listitem").filter(
        has=nurse.get_by_role("heading", name=re.compile("Casey"))
    )
    expect(casey).to_have_count(1)
    expect(casey).to_contain_text("Not ready yet")
    expect(casey).to_contain_text("Not done")
    expect(casey).to_contain_text(RIDE_NAME)
    expect(casey.get_by_role("link", name=RIDE_PHONE_SHOWN)).to_have_attribute(
        "href", re.compile(r"^tel:\+?1?[-\s()]*604")
    )
    jordan = people.get_by_role("listitem").filter(
        has=nurse.get_by_role("heading", name=re.compile("Jordan"))
    )
    expect(jordan).to_contain_text("Checklist done")
    check_page(nurse)
    try:
        switch_language(nurse, "fr_CA")
        expect(casey).to_contain_text(RIDE_NAME)
        check_page(nurse)
    finally:
        switch_language(nurse, "en")
