"""Changing an entry over HTTP: autosaved changes that wait, private, until they are saved;
deleting only after asking; long texts kept whole; errors where they can be seen; entries of
no particular week; more entries added below the list; and the search, which has no address
to go back to."""

from __future__ import annotations

import re

import pytest

from app.journal import services
from app.models import JournalEntry, Sharing
from tests.conftest import csrf_token, post, sign_in
from tests.web.test_journal import (
    dated,
    entries_of,
    entry_form,
    excerpts,
    page,
    reading_room_url,
    signed_in,
    written,
)


@pytest.fixture
def participant(client, world):
    sign_in(client, world.participant)
    return world.participant


def autosave(client, data: dict):
    return client.post("/journal/autosave", data=data, headers={"X-CSRFToken": csrf_token(client)})


def autosave_over(client, entry: JournalEntry, body: str, **fields):
    """What the edit page's autosave sends while the person types over a saved entry."""
    data = entry_form(body, client_uuid=entry.client_uuid, version=str(entry.version), **fields)
    return autosave(client, {**data, "entry_id": str(entry.id)})


def textarea_of(html: str) -> str:
    return re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', html, re.S).group(1)


# --- Changes autosaved over a saved entry wait, private, until saved. ----------------------


def test_autosaved_changes_to_a_shared_entry_reach_no_reader_until_saved(
    app, client, db, world, participant
):
    entry_id = written(client, "what I shared", sharing="group")
    [entry] = entries_of(db, participant)
    answer = autosave_over(client, entry, "what I shared, and half a thou", sharing="group")
    assert answer.status_code == 200 and answer.json["saved"] is True
    # The version moves on, so another device cannot write over these changes unseen.
    assert answer.json["version"] == entry.version + 1
    peer = signed_in(app, world.same_group)
    group_page = page(peer, "/journal/group")
    assert "what I shared" in group_page and "half a thou" not in group_page
    facilitator = signed_in(app, world.facilitator)
    assert "half a thou" not in page(facilitator, reading_room_url(world))
    [stored] = entries_of(db, participant)
    assert (stored.id, stored.body, stored.version) == (entry_id, "what I shared", 2)


def test_choosing_to_share_while_typing_shares_nothing_until_saved(
    app, client, db, world, participant
):
    written(client, "kept to myself")
    [entry] = entries_of(db, participant)
    autosave_over(client, entry, "kept to myself for now", sharing="group")
    assert "kept to myself" not in page(signed_in(app, world.same_group), "/journal/group")
    [stored] = entries_of(db, participant)
    assert stored.sharing == Sharing.private


def test_the_edit_page_brings_back_the_changes_not_saved_yet(client, db, participant):
    entry_id = written(client, "as saved")
    [entry] = entries_of(db, participant)
    autosave_over(client, entry, "as saved, then more on the bus")
    html = page(client, f"/journal/{entry_id}/edit")
    assert textarea_of(html) == "as saved, then more on the bus"
    assert "not saved yet" in html
    assert f'action="/journal/{entry_id}/discard-changes"' in html
    entry_page = page(client, f"/journal/{entry_id}")
    assert "not saved yet" in entry_page and f'href="/journal/{entry_id}/edit"' in entry_page


def test_saving_the_edit_page_keeps_the_changes_and_ends_the_wait(client, db, participant):
    entry_id = written(client, "as saved")
    [entry] = entries_of(db, participant)
    autosave_over(client, entry, "as saved, then more")
    response = post(
        client,
        f"/journal/{entry_id}/edit",
        entry_form("as saved, then more", client_uuid=entry.client_uuid, version="1"),
    )
    assert response.status_code == 303
    [stored] = entries_of(db, participant)
    assert (stored.body, stored.version, stored.pending) == ("as saved, then more", 3, None)
    assert "not saved yet" not in page(client, f"/journal/{entry_id}/edit")


def test_discarding_the_changes_keeps_the_entry_as_saved(client, db, participant):
    entry_id = written(client, "as saved")
    [entry] = entries_of(db, participant)
    autosave_over(client, entry, "second thoughts")
    response = post(client, f"/journal/{entry_id}/discard-changes")
    assert response.status_code == 303
    [stored] = entries_of(db, participant)
    assert (stored.body, stored.pending) == ("as saved", None)
    assert textarea_of(page(client, f"/journal/{entry_id}/edit")) == "as saved"


def test_the_list_offers_an_entry_with_changes_not_saved_yet_among_the_unfinished(
    client, db, participant
):
    entry_id = written(client, "as saved", title="Monday")
    [entry] = entries_of(db, participant)
    autosave_over(client, entry, "as saved, and more", title="Monday")
    html = page(client, "/journal/")
    unfinished = html.split("Unfinished", 1)[1].split('id="entries"', 1)[0]
    assert f'href="/journal/{entry_id}/edit"' in unfinished and "Monday" in unfinished


def test_another_participant_cannot_discard_ones_changes(app, client, db, world, participant):
    entry_id = written(client, "as saved")
    [entry] = entries_of(db, participant)
    autosave_over(client, entry, "mine, not saved yet")
    other = signed_in(app, world.same_group)
    assert post(other, f"/journal/{entry_id}/discard-changes").status_code == 404
    [stored] = entries_of(db, participant)
    assert services.pending_fields(stored).body == "mine, not saved yet"


# --- Deleting asks first. ------------------------------------------------------------------


def test_deleting_asks_first_and_only_the_confirmation_deletes(client, db, participant):
    entry_id = written(client, "keep me unless I say so")
    edit_page = page(client, f"/journal/{entry_id}/edit")
    assert f'href="/journal/{entry_id}/delete"' in edit_page
    assert f'<form method="post" action="/journal/{entry_id}/delete"' not in edit_page
    confirm = page(client, f"/journal/{entry_id}/delete")
    assert "cannot be undone" in confirm
    assert f'action="/journal/{entry_id}/delete"' in confirm
    assert f'href="/journal/{entry_id}"' in confirm  # keep it
    assert len(entries_of(db, participant)) == 1
    assert post(client, f"/journal/{entry_id}/delete").status_code == 303
    assert entries_of(db, participant) == []


def test_the_delete_confirmation_of_another_persons_entry_is_not_found(
    app, client, db, world, participant
):
    entry_id = written(client, "mine")
    other = signed_in(app, world.same_group)
    assert other.get(f"/journal/{entry_id}/delete").status_code == 404


# --- Long texts kept whole; errors where they can be seen. ---------------------------------


def test_the_text_box_never_cuts_a_long_paste_short(client, participant):
    html = page(client, "/journal/new")
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "maxlength" not in textarea
    assert 'data-counter-max="20000"' in textarea


@pytest.mark.parametrize("intensity", ["11", "4.5"])
def test_an_intensity_error_opens_the_section_that_shows_it(client, participant, intensity):
    response = post(client, "/journal/new", entry_form("words", intensity=intensity))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<details class="extras"[^>]*\bopen\b', html)
    assert "whole number from 0 to 10" in html.split('<details class="extras"', 1)[1]


def test_an_unknown_feeling_is_refused_next_to_the_feelings(client, db, participant):
    response = post(client, "/journal/new", entry_form("words", feelings="not-a-feeling"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    extras = html.split('<details class="extras"', 1)[1].split("</details>", 1)[0]
    assert re.search(r'<p class="error"[^>]*>', extras)
    assert entries_of(db, participant) == []


def test_the_section_is_open_when_the_entry_has_feelings(client, participant):
    entry_id = written(client, "words", feelings="calm")
    html = page(client, f"/journal/{entry_id}/edit")
    assert re.search(r'<details class="extras"[^>]*\bopen\b', html)


# --- No particular week. -------------------------------------------------------------------


def test_an_entry_for_no_particular_week_is_kept_without_a_week(client, db, participant):
    written(client, "between weeks", week="0")
    [entry] = entries_of(db, participant)
    assert entry.week is None


def test_the_reading_room_of_no_week_is_titled_so(app, client, db, world, participant):
    written(client, "between weeks", week="0", sharing="group")
    facilitator = signed_in(app, world.facilitator)
    html = page(facilitator, reading_room_url(world, week=0))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "No week" in title and "Week 0" not in title


# --- More entries, added below the list. ---------------------------------------------------


def test_more_entries_over_htmx_answers_the_next_entries_to_add_below(client, db, participant):
    total = 2 * services.PAGE_SIZE + 1
    for n in range(total):
        dated(db, participant, f"entry number {n:02d}", minutes_ago=n)
    first = page(client, "/journal/")
    more = re.search(r'<li class="more-entries" id="more-entries">(.*?)</li>', first, re.S)
    assert more and 'hx-get="/journal/?page=2"' in more.group(1)
    assert 'hx-target="#more-entries"' in more.group(1)
    response = client.get(
        "/journal/?page=2", headers={"HX-Request": "true", "HX-Target": "more-entries"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="entry-list"' not in html
    assert html.lstrip().startswith('<li class="card entry-card"')
    assert excerpts(html) == [
        f"entry number {n:02d}" for n in range(services.PAGE_SIZE, 2 * services.PAGE_SIZE)
    ]
    # The first entry added takes the focus, and a new "more" waits at the end.
    assert html.count("autofocus") == 1
    assert 'hx-get="/journal/?page=3"' in html.rsplit('<li class="more-entries"', 1)[1]


def test_the_last_page_added_over_htmx_ends_without_more(client, db, participant):
    for n in range(services.PAGE_SIZE + 1):
        dated(db, participant, f"entry number {n:02d}", minutes_ago=n)
    html = client.get(
        "/journal/?page=2", headers={"HX-Request": "true", "HX-Target": "more-entries"}
    ).get_data(as_text=True)
    assert excerpts(html) == [f"entry number {services.PAGE_SIZE:02d}"]
    assert "more-entries" not in html


# --- The search has no address to come back to. -------------------------------------------


def test_the_search_form_keeps_its_results_out_of_the_browser_history(client, participant):
    form = re.search(
        r'<form method="post" action="/journal/search"[^>]*>', page(client, "/journal/")
    )
    assert 'hx-push-url="false"' in form.group(0)


def test_going_back_or_reloading_the_search_address_returns_to_the_journal(client, participant):
    response = client.get("/journal/search")
    assert response.status_code == 303
    assert response.location.endswith("/journal/")
