"""A participant's weeks and practices over HTTP: what opens, what a week shows, the done
toggle (plain and htmx), private notes, progress without streaks, and the page language."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import text
from sqlmodel import select

from app import content, program
from app.models import MedicineSession, PracticeRecord, Role
from tests.conftest import post, sign_in
from tests.unit.content_bundles import write_base_bundle, write_derived_bundle

WEEK = 3  # the world's cohort is in week 3
PRACTICE = "self-holding-hands"  # a practice of core week 3
PRACTICE_URL = f"/week/{WEEK}/practice/{PRACTICE}"
DONE_URL = f"{PRACTICE_URL}/done"
NOTE_URL = f"{PRACTICE_URL}/note"
HTMX = {"HX-Request": "true"}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def resolved(app, kind: str, item_id: str, locale: str = "en", bundle: str = "core"):
    with app.app_context():
        return content.get_content(kind, item_id, locale, bundle)


def records(db, user) -> list[PracticeRecord]:
    db.expire_all()
    return list(db.exec(select(PracticeRecord).where(PracticeRecord.user_id == user.id)))


def set_locale(db, user, locale: str) -> None:
    user.preferred_locale = locale
    db.add(user)
    db.commit()


@pytest.fixture
def participant(client, world):
    sign_in(client, world.participant)
    return world.participant


# --- Which weeks open. ---------------------------------------------------------------------


def test_this_week_redirects_to_the_current_week(client, participant):
    response = client.get("/week")
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/week/{WEEK}"


@pytest.mark.parametrize("days", [10, -200], ids=["before-the-start", "after-the-end"])
def test_outside_the_twelve_weeks_this_week_leads_to_the_list_of_weeks(
    client, db, world, participant, days
):
    world.cohort.start_date = program.local_today(world.cohort) + timedelta(days=days)
    db.add(world.cohort)
    db.commit()
    response = client.get("/week")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/weeks"


def test_the_week_page_shows_theme_intention_teaching_practices_and_prompts(
    app, client, participant
):
    html = page(client, f"/week/{WEEK}")
    week = resolved(app, "week", "03").item
    assert f"<h1>{escape(week.data.theme)}</h1>" in html
    assert str(escape(week.data.intention)) in html
    assert "Unconditional positive regard is a long name for a simple idea" in html
    for practice_id in week.data.practices:
        title = resolved(app, "practice", practice_id).item.data.title
        assert f'<a href="/week/{WEEK}/practice/{practice_id}">{escape(title)}</a>' in html
    first, *others = week.data.prompts
    assert f'<blockquote class="quote">{escape(first.text)}</blockquote>' in html
    assert f'href="/journal/new?prompt={first.id}"' in html
    for prompt in others:
        assert f'<li>{escape(prompt.text)} <a class="write-link"' in html
    assert "Week 3 of 12" in html
    # What to do comes first, what to read after: intention, practices, a prompt, teaching.
    order = [
        html.index(str(escape(week.data.intention))),
        html.index('id="practices-heading"'),
        html.index('id="prompts-heading"'),
        html.index('id="teaching-heading"'),
    ]
    assert order == sorted(order)
    assert re.search(r"About \d+ minutes? to read", html)


def test_the_week_page_names_what_comes_next_without_opening_it(app, client, participant):
    html = page(client, f"/week/{WEEK}")
    next_theme = resolved(app, "week", "04").item.data.theme
    assert f"Next: {escape(next_theme)}" in html
    assert 'href="/week/4"' not in html
    assert 'href="/week/2"' in html


@pytest.mark.parametrize("number", [1, 2, 3])
def test_past_weeks_and_this_week_open(client, participant, number):
    page(client, f"/week/{number}")


@pytest.mark.parametrize("number", [4, 12])
def test_a_future_week_is_not_found_while_previews_are_closed(client, participant, number):
    assert client.get(f"/week/{number}").status_code == 404
    assert client.get(f"/week/{number}/practice/{PRACTICE}").status_code == 404


def test_a_future_week_opens_when_the_cohort_allows_previews(app, client, db, world, participant):
    world.cohort.allow_previews = True
    db.add(world.cohort)
    db.commit()
    html = page(client, "/week/12")
    assert str(escape(resolved(app, "week", "12").item.data.theme)) in html


@pytest.mark.parametrize("number", [0, 13, 99])
def test_a_week_outside_one_to_twelve_is_not_found_even_with_previews(
    client, db, world, participant, number
):
    world.cohort.allow_previews = True
    db.add(world.cohort)
    db.commit()
    assert client.get(f"/week/{number}").status_code == 404


def test_the_list_of_weeks_links_open_weeks_and_shows_future_ones_as_titles(
    app, client, participant
):
    html = page(client, "/weeks")
    assert '<a href="/week/3" aria-current="date">' in html
    assert 'href="/week/4"' not in html
    assert str(escape(resolved(app, "week", "04").item.data.theme)) in html
    assert html.count("opens later") == 9


def test_each_participant_sees_only_their_own_cohorts_bundle(app, client, db, world):
    world.other_cohort.bundle_id = "healthcare-workers"
    db.add(world.other_cohort)
    db.commit()
    core_theme = str(escape(resolved(app, "week", "03").item.data.theme))
    hcw_theme = str(
        escape(resolved(app, "week", "03", bundle="healthcare-workers").item.data.theme)
    )
    assert core_theme != hcw_theme

    sign_in(client, world.participant)
    mine = page(client, f"/week/{WEEK}")
    assert core_theme in mine and hcw_theme not in mine

    other = app.test_client()
    sign_in(other, world.people["other_cohort"])
    theirs = page(other, f"/week/{WEEK}")
    assert hcw_theme in theirs and core_theme not in theirs


def test_a_practice_of_another_cohorts_week_cannot_be_opened_or_marked(app, db, world):
    world.other_cohort.bundle_id = "healthcare-workers"
    db.add(world.other_cohort)
    db.commit()
    other = app.test_client()
    sign_in(other, world.people["other_cohort"])
    assert other.get(PRACTICE_URL).status_code == 404
    assert post(other, DONE_URL, {"done": "1"}).status_code == 404
    assert records(db, world.people["other_cohort"]) == []


def test_marks_are_kept_against_the_participants_own_cohort(app, db, world):
    other = app.test_client()
    sign_in(other, world.people["other_cohort"])
    assert post(other, DONE_URL, {"done": "1"}).status_code == 303
    [record] = records(db, world.people["other_cohort"])
    assert record.cohort_id == world.other_cohort.id


def test_a_participant_without_a_cohort_has_no_week_to_open(client, world):
    loner = world.add_person("loner", Role.participant)
    sign_in(client, loner)
    assert client.get("/week/1").status_code == 404
    assert urlsplit(client.get("/week").location).path == "/weeks"


# --- The done toggle. -------------------------------------------------------------------------


def test_marking_a_practice_done_with_a_plain_form_redirects_with_303(
    client, db, world, participant
):
    response = post(client, DONE_URL, {"done": "1"})
    assert response.status_code == 303
    assert urlsplit(response.location).path == PRACTICE_URL
    [record] = records(db, participant)
    assert (record.week, record.practice_id, record.done) == (WEEK, PRACTICE, True)
    assert record.cohort_id == world.cohort.id
    assert "You tried this practice this week." in page(client, PRACTICE_URL)


def test_marking_a_practice_done_with_htmx_answers_the_toggle_fragment(client, db, participant):
    response = post(client, DONE_URL, {"done": "1"}, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith(f'<form id="done-{PRACTICE}"')
    assert '<input type="hidden" name="done" value="0">' in html
    assert "HX-Request" in response.vary
    assert [r.done for r in records(db, participant)] == [True]


def test_unmarking_with_htmx_answers_the_fragment_that_marks_again(client, db, participant):
    post(client, DONE_URL, {"done": "1"}, headers=HTMX)
    response = post(client, DONE_URL, {"done": "0"}, headers=HTMX)
    assert response.status_code == 200
    assert '<input type="hidden" name="done" value="1">' in response.get_data(as_text=True)


def test_marking_twice_from_two_tabs_leaves_exactly_one_record(client, db, participant):
    assert post(client, DONE_URL, {"done": "1"}).status_code == 303
    assert post(client, DONE_URL, {"done": "1"}, headers=HTMX).status_code == 200
    assert [(r.practice_id, r.done) for r in records(db, participant)] == [(PRACTICE, True)]


def test_done_0_unmarks_the_practice(client, db, participant):
    post(client, DONE_URL, {"done": "1"})
    assert post(client, DONE_URL, {"done": "0"}).status_code == 303
    assert [r.done for r in records(db, participant)] == [False]
    assert "You tried this practice this week." not in page(client, PRACTICE_URL)


@pytest.mark.parametrize("data", [{}, {"done": "2"}, {"done": "yes"}])
def test_a_done_value_other_than_0_or_1_is_refused(client, db, participant, data):
    assert post(client, DONE_URL, data).status_code == 400
    assert records(db, participant) == []


@pytest.mark.parametrize(
    "practice_id",
    ["no-such-practice", "arriving-breath"],  # unknown; a real practice of another week
)
def test_a_practice_that_is_not_part_of_the_week_is_not_found(client, db, participant, practice_id):
    url = f"/week/{WEEK}/practice/{practice_id}"
    assert client.get(url).status_code == 404
    assert post(client, f"{url}/done", {"done": "1"}).status_code == 404
    assert post(client, f"{url}/note", {"note": "hello"}).status_code == 404
    assert records(db, participant) == []


def test_a_practice_of_a_future_week_cannot_be_marked(client, db, participant):
    url = "/week/4/practice/roots-and-branches-inventory/done"
    assert post(client, url, {"done": "1"}).status_code == 404
    assert records(db, participant) == []


def test_done_state_is_per_week(client, db, participant):
    post(client, "/week/1/practice/orienting-to-the-room/done", {"done": "1"})
    assert "You tried this practice this week." in page(
        client, "/week/1/practice/orienting-to-the-room"
    )
    assert "You tried this practice this week." not in page(
        client, "/week/2/practice/orienting-to-the-room"
    )


# --- Private notes. ---------------------------------------------------------------------------


def test_a_note_is_stored_encrypted_and_shown_only_to_its_author(
    app, client, db, world, participant
):
    secret = "My grief about my father came up today"
    response = post(client, NOTE_URL, {"note": secret})
    assert response.status_code == 303
    stored = db.connection().execute(text("SELECT note FROM practice_record")).scalars().all()
    assert len(stored) == 1
    assert secret not in stored[0]
    assert "grief" not in stored[0]
    [record] = records(db, participant)
    assert record.note == secret
    assert record.done is False
    assert secret in page(client, PRACTICE_URL)

    neighbour = app.test_client()
    sign_in(neighbour, world.same_group)
    assert secret not in page(neighbour, PRACTICE_URL)


def test_a_note_of_exactly_2000_characters_is_kept(client, db, participant):
    note = "n" * 2000
    assert post(client, NOTE_URL, {"note": note}).status_code == 303
    assert [r.note for r in records(db, participant)] == [note]


def test_a_note_over_2000_characters_is_refused_with_422_and_the_text_is_kept(
    client, db, participant
):
    note = "This is what I want to keep. " * 70  # 2030 characters
    response = post(client, NOTE_URL, {"note": note})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert note.strip() in html
    assert "Please keep the note under 2000 characters." in html
    assert records(db, participant) == []


def test_saving_a_note_keeps_the_done_mark(client, db, participant):
    post(client, DONE_URL, {"done": "1"})
    post(client, NOTE_URL, {"note": "A short note."})
    [record] = records(db, participant)
    assert (record.done, record.note) == (True, "A short note.")


# --- Progress: practices tried, never streaks. ----------------------------------------------


def test_practices_youve_tried_counts_distinct_practices_that_are_still_marked(
    app, client, world, participant
):
    post(client, "/week/1/practice/orienting-to-the-room/done", {"done": "1"})
    post(client, "/week/2/practice/orienting-to-the-room/done", {"done": "1"})  # same practice
    post(client, DONE_URL, {"done": "1"})
    post(client, "/week/3/practice/kindness-pause/done", {"done": "1"})
    post(client, "/week/3/practice/kindness-pause/done", {"done": "0"})  # unmarked again
    post(client, NOTE_URL, {"note": "a note is not a try"})

    other = app.test_client()
    sign_in(other, world.same_group)
    post(other, "/week/3/practice/kind-friend-letter/done", {"done": "1"})

    assert "Practices you've tried: 2." in page(client, "/weeks")
    assert "Practices you've tried: 1." in page(other, "/weeks")
    assert "streak" not in page(client, "/weeks").lower()


# --- Session weeks. ---------------------------------------------------------------------------


def add_session(db, cohort, day) -> None:
    db.add(
        MedicineSession(cohort_id=cohort.id, number=1, starts_local=datetime.combine(day, time(10)))
    )
    db.commit()


def test_the_week_before_a_session_shows_the_preparation_block_and_its_practices(
    app, client, db, world, participant
):
    add_session(db, world.cohort, program.week_days(world.cohort, 4)[0])
    block = resolved(app, "session", "preparation").item
    html = page(client, f"/week/{WEEK}")
    assert str(escape(block.data.title)) in html
    first_practice = block.data.practices[0]
    assert f'href="/week/{WEEK}/practice/{first_practice}"' in html
    assert (
        post(client, f"/week/{WEEK}/practice/{first_practice}/done", {"done": "1"}).status_code
        == 303
    )
    assert str(escape(block.data.title)) not in page(client, "/week/2")


def test_the_week_of_a_session_shows_the_integration_block(app, client, db, world, participant):
    add_session(db, world.cohort, program.week_days(world.cohort, WEEK)[0])
    html = page(client, f"/week/{WEEK}")
    assert str(escape(resolved(app, "session", "integration").item.data.title)) in html
    assert str(escape(resolved(app, "session", "preparation").item.data.title)) not in html


def test_another_cohorts_session_does_not_shape_this_cohorts_weeks(
    app, client, db, world, participant
):
    add_session(db, world.other_cohort, program.week_days(world.other_cohort, 4)[0])
    html = page(client, f"/week/{WEEK}")
    assert str(escape(resolved(app, "session", "preparation").item.data.title)) not in html


# --- Language. --------------------------------------------------------------------------------


def test_a_french_speaking_participant_gets_the_french_week_and_html_lang(
    app, client, db, participant
):
    set_locale(db, participant, "fr_CA")
    html = page(client, f"/week/{WEEK}")
    french = resolved(app, "week", "03", "fr_CA").item.data
    english = resolved(app, "week", "03", "en").item.data
    assert '<html lang="fr-CA"' in html
    assert f"<h1>{escape(french.theme)}</h1>" in html
    assert str(escape(english.theme)) not in html
    assert "<article>" in html  # not a fallback: no lang of its own
    title = resolved(app, "practice", PRACTICE, "fr_CA").item.data.title
    assert str(escape(title)) in html


def test_a_draft_translation_carries_a_small_note_and_the_original_does_not(
    client, db, participant
):
    english = page(client, f"/week/{WEEK}")
    assert "draft-note" not in english
    set_locale(db, participant, "fr_CA")
    assert 'class="hint draft-note"' in page(client, f"/week/{WEEK}")


@pytest.fixture
def partial_translation(tmp_path, make_app, db, world):
    """An app whose cohort uses a bundle that rewrote week 3 in English only."""
    root = tmp_path / "bundles"
    write_base_bundle(root, "core")
    write_derived_bundle(root, "english-only", based_on="core", weeks=(3,), locales=("en",))
    world.cohort.bundle_id = "english-only"
    db.add(world.cohort)
    db.commit()
    set_locale(db, world.participant, "fr_CA")
    application = make_app(content_root=str(root))
    client = application.test_client()
    sign_in(client, world.participant)
    return client


def test_a_fallback_block_carries_the_lang_of_the_text_it_shows(partial_translation):
    html = page(partial_translation, f"/week/{WEEK}")
    assert '<html lang="fr-CA"' in html
    assert '<article lang="en">' in html
    assert "<h1>english-only week 3 (en)</h1>" in html
    assert '<section aria-labelledby="prompts-heading" lang="en">' in html
    # The practices still come in French from the base bundle: no lang of their own.
    assert '<li class="card practice-card">' in html
    assert "breath practice (fr_CA)" in html


def test_a_week_found_in_the_asked_language_has_no_lang_of_its_own(partial_translation):
    html = page(partial_translation, "/week/2")
    assert "<article>" in html
    assert "<h1>core week 2 (fr_CA)</h1>" in html
    main = html[html.index("<main") : html.index("</main>")]
    assert 'lang="en"' not in main
