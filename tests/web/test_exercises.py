"""Regulation exercises over HTTP: public pages with nothing personal in them, the outbox's
session, the player's idempotent saves, the no-JavaScript record form, a private history
with encrypted ratings, and the service worker's precache list."""

from __future__ import annotations

import json
import re
import uuid
from html import unescape
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import text
from sqlmodel import select

from app import content
from app.models import ExerciseRecord
from tests.conftest import PASSWORD, csrf_token, post, sign_in

EXERCISE = "box-breathing"
SAVE_URL = "/settle/records"
HISTORY_URL = "/settle/history"
RECORD_URL = f"/settle/{EXERCISE}/record"
JSON = {"Accept": "application/json"}
UUID_FIELD = re.compile(r'<input[^>]*name="client_uuid"[^>]*>')
# A chart, not one of the layout's icons (which are <svg class="icon">).
CHART = re.compile(r'<svg(?! class="icon[ "])[^>]*>')
PRECACHE = re.compile(r"const PRECACHE = (\[.*?\]);", re.S)


def page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def core_exercise_ids(app) -> list[str]:
    with app.app_context():
        return sorted(content.library().ids("exercise", "core"))


def definition(app, exercise_id: str, locale: str = "en"):
    with app.app_context():
        resolved = content.get_content("exercise", exercise_id, locale, "core")
    return resolved.item.data


def records(db, user=None) -> list[ExerciseRecord]:
    db.expire_all()
    query = select(ExerciseRecord).order_by(ExerciseRecord.id)
    if user is not None:
        query = query.where(ExerciseRecord.user_id == user.id)
    return list(db.exec(query))


def outbox_session(client) -> dict:
    response = client.get("/outbox/session")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def fields(**changes) -> dict:
    base = {
        "client_uuid": str(uuid.uuid4()),
        "exercise_id": EXERCISE,
        "minutes": "3",
        "seconds_completed": "176",
        "before": "7",
        "after": "4",
    }
    return {**base, **changes}


def send(client, data: dict, csrf: str | bool = True):
    """What the player and the outbox send: a form body, the CSRF header, JSON wanted.

    csrf=True fetches a token from /outbox/session as the outbox does; False sends none."""
    headers = dict(JSON)
    if csrf is True:
        csrf = outbox_session(client)["csrf_token"]
    if csrf:
        headers["X-CSRFToken"] = csrf
    return client.post(SAVE_URL, data=data, headers=headers)


def uuid_in(html: str) -> str:
    match = UUID_FIELD.search(html)
    assert match, "the record form has no client_uuid field"
    tag = match.group(0)
    assert 'type="hidden"' in tag
    return re.search(r'value="([^"]*)"', tag).group(1)


def sign_in_on_shared_device(client, user) -> None:
    response = client.post(
        "/signin",
        data={
            "csrf_token": csrf_token(client),
            "email": user.email,
            "password": PASSWORD,
            "shared_device": "y",
        },
    )
    assert response.status_code == 303


def precache_paths(client) -> list[str]:
    script = page(client, "/sw.js")
    return [urlsplit(url).path for url in json.loads(PRECACHE.search(script).group(1))]


@pytest.fixture
def participant(client, world):
    sign_in(client, world.participant)
    return world.participant


# --- Public pages: signed out, nothing personal. -------------------------------------------


def test_the_library_opens_signed_out_and_lists_every_exercise(app, client):
    html = page(client, "/settle/")
    for exercise_id in core_exercise_ids(app):
        assert f'href="/settle/{exercise_id}"' in html
        assert str(escape(definition(app, exercise_id).text["en"].title)) in html


def test_breathing_exercises_come_first_in_the_library(app, client):
    html = page(client, "/settle/")
    order = re.findall(r'href="/settle/([a-z0-9-]+)"', html)
    kinds = [definition(app, exercise_id).kind for exercise_id in order]
    assert len(order) == len(core_exercise_ids(app))
    assert kinds == sorted(kinds, key=lambda kind: kind != "breathing")


def test_every_exercise_page_opens_signed_out_with_its_stop_if_note(app, client):
    for exercise_id in core_exercise_ids(app):
        html = page(client, f"/settle/{exercise_id}")
        text_en = definition(app, exercise_id).text["en"]
        assert f"<h1>{escape(text_en.title)}</h1>" in html
        assert str(escape(text_en.stop_if)) in html


@pytest.mark.parametrize("url", ["/settle/", f"/settle/{EXERCISE}", "/settle/body-scan"])
def test_a_public_exercise_page_holds_no_csrf_token_and_no_signed_in_marker(client, url):
    html = page(client, url)
    assert "X-CSRFToken" not in html
    assert "csrf_token" not in html
    assert "data-signed-in" not in html
    assert "data-shared-device" not in html
    assert "Sign out" not in html


@pytest.mark.parametrize("url", ["/settle/", f"/settle/{EXERCISE}"])
def test_a_public_exercise_page_holds_nothing_personal_even_when_opened_signed_in(
    client, db, world, url
):
    # The service worker fetches these pages with the person's cookies and keeps them.
    world.participant.display_name = "Zephyrine Quill"
    db.add(world.participant)
    db.commit()
    sign_in(client, world.participant)
    token = outbox_session(client)["csrf_token"]
    html = page(client, url)
    assert "Zephyrine" not in html
    assert world.participant.email not in html
    assert token not in html
    assert "X-CSRFToken" not in html
    assert "csrf_token" not in html
    assert "data-signed-in" not in html


def test_an_unknown_exercise_is_not_found(client):
    assert client.get("/settle/no-such-exercise").status_code == 404


def test_an_unknown_exercise_has_no_record_form_either(client, participant):
    assert client.get("/settle/no-such-exercise/record").status_code == 404


def test_with_javascript_off_box_breathing_is_a_list_of_phases_with_their_seconds(app, client):
    html = page(client, f"/settle/{EXERCISE}")
    static = html[html.index("data-static-steps") :]
    labels = definition(app, EXERCISE).text["en"].labels
    for label in ("in", "hold-full", "out", "hold-empty"):
        assert f"<li>{escape(labels[label])}: 4 seconds</li>" in static
    # The player is in the page from the first paint, so nothing jumps when its script
    # starts; its setup is a real form that, without the script, reloads at the steps.
    assert not re.search(r'<section class="player"[^>]* hidden', html)
    assert f'method="get" action="/settle/{EXERCISE}#steps-heading"' in html


def test_without_javascript_begin_shows_the_steps_for_the_length_chosen(app, client):
    three = page(client, "/settle/body-scan")
    five = page(client, "/settle/body-scan?minutes=5")
    seconds = re.compile(r"\(about (\d+) seconds\)")
    assert sum(map(int, seconds.findall(three))) < sum(map(int, seconds.findall(five)))
    assert re.search(r'value="5" checked', five)
    # A length the exercise does not offer is ignored, not an error.
    assert 'value="3" checked' in page(client, "/settle/body-scan?minutes=7")


def test_settle_offers_a_one_tap_breath_then_shelves_by_kind(client):
    html = page(client, "/settle/")
    quick = re.search(r'<a class="button[^"]*settle-quick" href="([^"]+)"', html).group(1)
    assert unescape(quick) == "/settle/extended-exhale?minutes=1&start=1"
    shelves = re.findall(r'<h2 id="shelf-(\w+)"', html)
    assert shelves == ["breath", "grounding", "body"]
    grounding = html[html.index('id="shelf-grounding"') : html.index('id="shelf-body"')]
    assert "/settle/grounding-54321" in grounding and "/settle/orienting" in grounding
    assert "1–5 min" in html


def test_with_javascript_off_resonance_breathing_shows_its_half_seconds(client):
    html = page(client, "/settle/resonance-breathing")
    assert html.count(": 5.5 seconds</li>") == 2


def test_with_javascript_off_a_steps_exercise_lists_each_step_with_about_how_long(app, client):
    html = page(client, "/settle/body-scan")
    static = html[html.index("data-static-steps") :]
    steps = definition(app, "body-scan").text["en"].steps
    items = re.findall(
        r"<li>(.*?) <span class=\"hint\">\(about (\d+) seconds\)</span></li>", static
    )
    assert [unescape(step) for step, _ in items] == steps
    # Three minutes by default: the steps' times add up to them.
    assert sum(int(seconds) for _, seconds in items) == pytest.approx(180, abs=len(steps))


def test_the_exercise_page_is_in_canadian_french_when_the_browser_asks(app, client):
    html = page(client, f"/settle/{EXERCISE}", headers={"Accept-Language": "fr-CA"})
    text_fr = definition(app, EXERCISE, "fr_CA").text["fr_CA"]
    assert '<html lang="fr-CA"' in html
    assert f"<h1>{escape(text_fr.title)}</h1>" in html
    assert f"<li>{escape(text_fr.labels['in'])}:" in html


def test_the_player_data_holds_the_server_timeline_for_every_duration(client):
    html = page(client, f"/settle/{EXERCISE}")
    data = json.loads(unescape(re.search(r"data-player='([^']*)'", html).group(1)))
    assert data["id"] == EXERCISE
    assert set(data["timelines"]) == {"1", "3", "5"}
    three = data["timelines"]["3"]
    assert len(three) == 11 * 4
    assert three[0] == [0, 0.0, 4.0]
    assert three[-1][2] == 176.0
    assert [part["text"] for part in data["parts"]][0] == "Breathe in"
    assert data["urls"]["save"] == SAVE_URL


def test_settle_now_is_one_tap_away_on_a_participant_page_and_the_help_page(client, participant):
    for url in ("/", "/help", "/week/3"):
        assert 'href="/settle/"' in page(client, url), url


# --- The outbox's session. ----------------------------------------------------------------


def test_signed_out_the_outbox_session_says_so_and_hands_out_nothing(client):
    body = outbox_session(client)
    assert body["signed_in"] is False
    assert body["outbox"] is False
    assert "csrf_token" not in body
    assert "owner" not in body


def test_signed_in_the_outbox_session_names_an_owner_and_hands_out_a_csrf_token(
    client, world, participant
):
    body = outbox_session(client)
    assert body["signed_in"] is True
    assert body["outbox"] is True
    assert re.fullmatch(r"[0-9a-f]{24}", body["owner"])
    assert body["csrf_token"]
    assert str(participant.id) != body["owner"]
    assert participant.email not in json.dumps(body)


def test_the_outbox_owner_is_stable_for_a_person_and_differs_between_people(app, world):
    first, again, other = app.test_client(), app.test_client(), app.test_client()
    sign_in(first, world.participant)
    sign_in(again, world.participant)
    sign_in(other, world.same_group)
    owner = outbox_session(first)["owner"]
    assert outbox_session(again)["owner"] == owner
    assert outbox_session(other)["owner"] != owner


def test_on_a_device_marked_as_shared_the_outbox_is_not_used(client, world):
    sign_in_on_shared_device(client, world.participant)
    body = outbox_session(client)
    assert body["signed_in"] is True
    assert body["outbox"] is False


# --- The player's saves and the outbox's replays. -----------------------------------------


def test_a_record_from_the_player_is_stored_once_and_its_replay_says_so(db, client, participant):
    data = fields()
    first = send(client, data)
    assert first.status_code == 201
    assert first.get_json() == {"stored": True, "replayed": False, "refused": []}
    replay = send(client, data)
    assert replay.status_code == 200
    assert replay.get_json()["replayed"] is True
    [stored] = records(db, participant)
    assert stored.client_uuid == data["client_uuid"]
    assert (stored.exercise_id, stored.minutes, stored.seconds_completed) == (EXERCISE, 3, 176)
    assert (stored.before, stored.after) == ("7", "4")


def test_a_replay_with_different_ratings_keeps_the_first_record(db, client, participant):
    data = fields()
    send(client, data)
    send(client, {**data, "before": "1", "after": "1"})
    [stored] = records(db, participant)
    assert (stored.before, stored.after) == ("7", "4")


def test_the_same_uuid_from_another_participant_never_touches_the_first_ones_record(
    app, db, client, world, participant
):
    data = fields()
    assert send(client, data).status_code == 201
    other = app.test_client()
    sign_in(other, world.same_group)
    assert send(other, {**data, "before": "2", "after": "2"}).status_code == 201
    [mine] = records(db, participant)
    [theirs] = records(db, world.same_group)
    assert (mine.before, theirs.before) == ("7", "2")


def test_an_uppercase_uuid_replays_the_same_record(db, client, participant):
    data = fields()
    send(client, data)
    replay = send(client, {**data, "client_uuid": data["client_uuid"].upper()})
    assert replay.status_code == 200
    assert len(records(db, participant)) == 1


@pytest.mark.parametrize(
    ("ratings", "refused", "kept"),
    [
        ({"before": "11"}, ["before"], (None, "4")),
        ({"after": "x"}, ["after"], ("7", None)),
        ({"before": "-1", "after": "3.5"}, ["before", "after"], (None, None)),
    ],
    ids=["before-too-high", "after-not-a-number", "both-wrong"],
)
def test_a_bad_rating_is_left_out_with_a_message_and_the_record_is_kept(
    db, client, participant, ratings, refused, kept
):
    response = send(client, fields(**ratings))
    assert response.status_code == 201
    body = response.get_json()
    assert body["stored"] is True
    assert body["refused"] == refused
    assert "whole number from 0 to 10" in body["message"]
    [stored] = records(db, participant)
    assert (stored.before, stored.after) == kept


def test_a_record_without_ratings_is_stored_without_a_message(db, client, participant):
    response = send(client, fields(before="", after=""))
    assert response.status_code == 201
    assert "message" not in response.get_json()
    [stored] = records(db, participant)
    assert (stored.before, stored.after) == (None, None)


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "1234", "'; DROP TABLE exercise_record; --"])
def test_a_record_whose_uuid_is_not_a_uuid_is_refused(db, client, participant, bad):
    response = send(client, fields(client_uuid=bad))
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert records(db) == []


@pytest.mark.parametrize(
    "change",
    [
        {"minutes": "0"},
        {"minutes": "61"},
        {"minutes": "three"},
        {"seconds_completed": "soon"},
        {"seconds_completed": "inf"},
        {"seconds_completed": "1e400"},
        {"seconds_completed": "nan"},
    ],
    ids=lambda change: "-".join(f"{k}={v}" for k, v in change.items()),
)
def test_a_record_whose_duration_cannot_be_read_is_refused_not_an_error(
    db, client, participant, change
):
    response = send(client, fields(**change))
    assert response.status_code == 400
    assert records(db) == []


@pytest.mark.parametrize(("sent", "stored"), [("-30", 0), ("999999", 3600), ("176.9", 176)])
def test_the_seconds_completed_are_kept_within_an_hour(db, client, participant, sent, stored):
    assert send(client, fields(seconds_completed=sent)).status_code == 201
    [record] = records(db, participant)
    assert record.seconds_completed == stored


def test_a_record_for_an_unknown_exercise_is_not_found(db, client, participant):
    response = send(client, fields(exercise_id="no-such-exercise"))
    assert response.status_code == 404
    assert "error" in response.get_json()
    assert records(db) == []


def test_a_record_without_the_csrf_header_is_refused(db, client, participant):
    response = send(client, fields(), csrf=False)
    assert response.status_code == 400
    assert records(db) == []


def test_a_record_with_another_sessions_csrf_token_is_refused(app, db, client, world, participant):
    stranger = app.test_client()
    sign_in(stranger, world.same_group)
    response = send(client, fields(), csrf=outbox_session(stranger)["csrf_token"])
    assert response.status_code == 400
    assert records(db) == []


def test_signed_out_a_record_is_not_stored(db, client, world):
    response = send(client, fields(), csrf=csrf_token(client))
    # A 401, not a redirect that fetch would follow to a 200 the outbox took for "sent".
    assert response.status_code == 401
    assert response.json == {"signed_in": False, "signin_url": "/signin"}
    assert records(db) == []


def test_a_facilitator_cannot_keep_exercise_records(db, client, world):
    sign_in(client, world.facilitator)
    assert send(client, fields()).status_code == 403
    assert records(db) == []


# --- The record form, without JavaScript. -------------------------------------------------


def test_the_record_form_carries_a_fresh_uuid_in_a_hidden_field(client, participant):
    first = uuid_in(page(client, RECORD_URL))
    second = uuid_in(page(client, RECORD_URL))
    assert str(uuid.UUID(first)) == first
    assert first != second


def test_the_record_form_offers_the_exercises_durations(client, participant):
    html = page(client, RECORD_URL)
    assert re.findall(r'<option[^>]*value="(\d+)"', html) == ["1", "3", "5"]


def test_a_rating_out_of_range_on_the_form_is_refused_and_everything_typed_is_kept(
    db, client, participant
):
    client_uuid = str(uuid.uuid4())
    data = {"client_uuid": client_uuid, "minutes": "5", "before": "12", "after": "3"}
    response = post(client, RECORD_URL, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please use a whole number from 0 to 10." in html
    assert uuid_in(html) == client_uuid
    assert re.search(r'<input[^>]*name="before"[^>]*value="12"', html)
    assert re.search(r'<input[^>]*name="after"[^>]*value="3"', html)
    assert re.search(r'<option selected value="5">|<option[^>]*value="5"[^>]*selected', html)
    assert records(db) == []


def test_a_word_for_a_rating_on_the_form_is_refused(db, client, participant):
    data = {"client_uuid": str(uuid.uuid4()), "minutes": "3", "before": "calm"}
    assert post(client, RECORD_URL, data).status_code == 422
    assert records(db) == []


def test_the_record_form_saves_once_even_when_sent_twice(db, client, participant):
    data = {"client_uuid": str(uuid.uuid4()), "minutes": "3", "before": "7", "after": "4"}
    for _ in range(2):
        response = post(client, RECORD_URL, data)
        assert response.status_code == 303
        assert urlsplit(response.location).path == HISTORY_URL
    [stored] = records(db, participant)
    assert (stored.exercise_id, stored.minutes, stored.seconds_completed) == (EXERCISE, 3, 180)
    assert (stored.before, stored.after) == ("7", "4")
    assert "Saved. Thank you" in page(client, HISTORY_URL)


def test_the_record_form_saves_with_both_ratings_left_empty(db, client, participant):
    data = {"client_uuid": str(uuid.uuid4()), "minutes": "1", "before": "", "after": ""}
    assert post(client, RECORD_URL, data).status_code == 303
    [stored] = records(db, participant)
    assert (stored.minutes, stored.before, stored.after) == (1, None, None)


def test_the_record_form_refuses_a_duration_the_exercise_does_not_offer(db, client, participant):
    data = {"client_uuid": str(uuid.uuid4()), "minutes": "4"}
    assert post(client, RECORD_URL, data).status_code == 422
    assert records(db) == []


def test_the_record_form_refuses_a_uuid_that_is_not_one(db, client, participant):
    data = {"client_uuid": "not-a-uuid", "minutes": "3"}
    assert post(client, RECORD_URL, data).status_code == 400
    assert records(db) == []


# --- The history: private, charted, in plain words, encrypted at rest. --------------------


def test_the_history_shows_the_average_change_in_plain_words_and_an_svg_chart(client, participant):
    send(client, fields(before="7", after="4"))
    html = page(client, HISTORY_URL)
    assert "On average you felt 3 points calmer after an exercise." in html
    svg = CHART.search(html).group(0)
    assert 'role="img"' in svg
    assert "aria-labelledby" in svg
    assert '<polyline class="chart__before"' in html
    assert '<polyline class="chart__after"' in html
    assert "<td>Box breathing</td><td>7</td><td>4</td>" in html


def test_the_history_averages_every_record_rated_before_and_after(client, participant):
    for before, after in (("7", "4"), ("6", "5"), ("8", "")):
        send(client, fields(before=before, after=after))
    assert "On average you felt 2 points calmer" in page(client, HISTORY_URL)


def test_feeling_more_stirred_up_afterwards_is_said_gently(client, participant):
    send(client, fields(before="3", after="6"))
    html = page(client, HISTORY_URL)
    assert "On average you felt 3 points more stirred up after an exercise." in html
    assert "calmer" not in html


def test_an_empty_history_says_so_and_draws_no_chart(client, participant):
    html = page(client, HISTORY_URL)
    assert "Nothing here yet" in html
    assert not CHART.search(html)
    assert "On average" not in html


def test_a_participant_never_sees_another_participants_history(app, client, world, participant):
    send(client, fields(exercise_id="butterfly-tapping", before="9", after="1"))
    assert "Butterfly tapping" in page(client, HISTORY_URL)
    for key in ("same_group", "other_group", "other_cohort"):
        other = app.test_client()
        sign_in(other, world.people[key])
        html = page(other, HISTORY_URL)
        assert "Nothing here yet" in html, key
        assert "Butterfly tapping" not in html, key
        assert not CHART.search(html), key
        assert "On average" not in html, key


def test_each_participant_sees_only_their_own_average(app, client, world, participant):
    send(client, fields(before="9", after="1"))
    other = app.test_client()
    sign_in(other, world.same_group)
    send(other, fields(before="5", after="4"))
    assert "8 points calmer" in page(client, HISTORY_URL)
    assert "1 points calmer" in page(other, HISTORY_URL)


def test_ratings_are_stored_encrypted(db, client, participant):
    data = fields(before="7", after="4")
    send(client, data)
    row = (
        db.connection()
        .execute(
            text("SELECT before, after FROM exercise_record WHERE client_uuid = :u"),
            {"u": data["client_uuid"]},
        )
        .one()
    )
    for raw, plain in zip(row, ("7", "4"), strict=True):
        assert raw is not None
        assert raw != plain
        assert len(raw) > 40
    [stored] = records(db, participant)
    assert (stored.before, stored.after) == ("7", "4")


# --- The service worker. ------------------------------------------------------------------


def test_the_service_worker_precaches_the_library_every_exercise_and_the_player(app, client):
    paths = precache_paths(client)
    assert "/settle/" in paths
    for exercise_id in core_exercise_ids(app):
        assert f"/settle/{exercise_id}" in paths
    assert "/static/js/player.js" in paths
    assert "/static/js/outbox.js" in paths
    assert "/offline" in paths


def test_the_service_worker_precaches_no_signed_in_page(client):
    paths = precache_paths(client)
    for private in ("/", "/week", "/account", "/weeks", HISTORY_URL, "/outbox/session"):
        assert private not in paths
    assert not [path for path in paths if path.endswith("/record")]
    assert not [
        path
        for path in paths
        if not (path.startswith(("/settle/", "/static/")) or path == "/offline")
    ]


def test_every_precached_url_opens_signed_out_with_nothing_personal(client):
    script = page(client, "/sw.js")
    for url in json.loads(PRECACHE.search(script).group(1)):
        response = client.get(url)
        body = response.get_data()
        response.close()  # static files stream from an open file until closed
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            assert b"X-CSRFToken" not in body, url
            assert b"data-signed-in" not in body, url


def test_the_precache_list_is_the_same_signed_in_and_signed_out(client, participant):
    signed_in = precache_paths(client)
    client.post("/signout", data={"csrf_token": csrf_token(client)})
    assert precache_paths(client) == signed_in
