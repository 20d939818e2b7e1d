"""A participant's journal over HTTP: who reads what, encryption at rest, the offline outbox
replayed once, two devices meeting in the conflict view, bad input, un-sharing, anonymity to
peers, the list with its paging, filter and search, and the export."""

from __future__ import annotations

import html
import io
import json
import logging
import re
import sqlite3
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, text
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from app import create_app
from app.journal import services
from app.journal.wording import SHARING_STATEMENTS
from app.models import (
    AuditEvent,
    Cohort,
    JournalEntry,
    Membership,
    Role,
    Sharing,
    SmallGroup,
    User,
    utcnow,
)
from app.program import local_today
from tests.conftest import csrf_token, password_hash, post, sign_in

WEEK = 3  # the world's cohort is in week 3


# --- Helpers. ------------------------------------------------------------------------------


def entry_form(body: str, *, client_uuid: str | None = None, **fields) -> dict:
    return {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "body": body,
        "week": str(WEEK),
        "sharing": "private",
        **fields,
    }


def write(client, body: str, **fields):
    """Save an entry through the form, as the participant signed in on `client`."""
    return post(client, "/journal/new", entry_form(body, **fields))


def written(client, body: str, **fields) -> int:
    response = write(client, body, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:600]
    return entry_id_of(response)


def entry_id_of(response) -> int:
    match = re.fullmatch(r"/journal/(\d+)", urlsplit(response.location).path)
    assert match, response.location
    return int(match.group(1))


def entries_of(db, user) -> list[JournalEntry]:
    db.expire_all()
    query = select(JournalEntry).where(JournalEntry.user_id == user.id).order_by(JournalEntry.id)
    return list(db.exec(query))


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def signed_in(app, person):
    """Another browser, signed in as someone else."""
    other = app.test_client()
    sign_in(other, person)
    return other


def reading_room_url(world, week: int = WEEK) -> str:
    return f"/team/cohorts/{world.cohort.id}/reflections/{world.cedar.id}/week/{week}"


class FormInputs(HTMLParser):
    """What the form whose action ends with `action_suffix` sends from its <input>s."""

    def __init__(self, action_suffix: str):
        super().__init__()
        self.action_suffix = action_suffix
        self.inside = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = (attributes.get("action") or "").endswith(self.action_suffix)
        elif tag == "input" and self.inside and attributes.get("name"):
            if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
                return  # a browser sends only what is ticked
            self.fields.append((attributes["name"], attributes.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_inputs(html: str, action_suffix: str) -> list[tuple[str, str]]:
    parser = FormInputs(action_suffix)
    parser.feed(html)
    assert parser.fields, f"no form posting to …{action_suffix}"
    return parser.fields


@pytest.fixture
def participant(client, world):
    sign_in(client, world.participant)
    return world.participant


@pytest.fixture
def loner(db, world):
    """A participant of Cohort A who is not in any small group yet."""
    return world.add_person("loner", Role.participant, world.cohort, None)


# --- Sharing rules over HTTP, for every role and relation. ---------------------------------

# What each person finds of the participant's entries on the pages they can open.
SEES = {
    "participant": {"private", "facilitators", "group", "draft"},
    "same_group": {"group"},
    "other_group": set(),
    "other_cohort": set(),
    "facilitator": {"facilitators", "group"},
    "willow_facilitator": set(),
    "other_facilitator": set(),
    "medical": set(),
    "admin": set(),
}


@pytest.fixture
def shared_kinds(db, world):
    """One entry of each kind by the participant, with a phrase that names it."""
    world.add_person("willow_facilitator", Role.facilitator, world.cohort, world.willow)
    made = {}
    for kind, sharing, draft in [
        ("private", Sharing.private, False),
        ("facilitators", Sharing.facilitators, False),
        ("group", Sharing.group, False),
        ("draft", Sharing.group, True),
    ]:
        fields = services.EntryFields(body=f"phrase-{kind}-entry", week=WEEK, sharing=sharing)
        made[kind] = services.save(
            db,
            world.participant,
            client_uuid=str(uuid.uuid4()),
            fields=fields,
            base_version=None,
            draft=draft,
        )
    return made


def pages_for(client, world, person, entries) -> str:
    """Every page where `person` could meet the participant's entries, concatenated."""
    urls = [f"/journal/{entry.id}" for entry in entries.values()]
    urls += ["/journal/", "/journal/group", f"/journal/group?week={WEEK}"]
    urls += [
        f"/team/cohorts/{world.cohort.id}/reflections",
        reading_room_url(world),
        f"/team/cohorts/{world.other_cohort.id}/reflections",
    ]
    html = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (person.email, url)
        html.append(response.get_data(as_text=True))
    return "\n".join(html)


@pytest.mark.parametrize("viewer", sorted(SEES))
def test_each_role_and_relation_finds_exactly_the_entries_shared_with_it(
    client, world, shared_kinds, viewer
):
    person = world.people[viewer]
    sign_in(client, person)
    html = pages_for(client, world, person, shared_kinds)
    found = {kind for kind in shared_kinds if f"phrase-{kind}-entry" in html}
    assert found == SEES[viewer]


def test_a_facilitator_of_only_willow_is_refused_cedars_week(client, world, shared_kinds):
    sign_in(client, world.willow_facilitator)
    assert client.get(reading_room_url(world)).status_code == 403
    html = page(client, f"/team/cohorts/{world.cohort.id}/reflections")
    assert "Willow" in html and "Cedar" not in html


# --- Encryption at rest. -------------------------------------------------------------------


@pytest.fixture
def committed_app(database_url):
    """An app whose requests commit for real, with its own cohort and participant.

    The usual `app` fixture keeps everything in a transaction that is rolled back, so nothing
    would ever reach the database file; here it must. Everything is deleted afterwards.
    """
    application = create_app({"database_url": database_url})
    application.config.update(TESTING=True)
    engine = application.extensions["tend_engine"]
    marker = uuid.uuid4().hex[:12]
    with Session(engine, expire_on_commit=False) as session:
        cohort = Cohort(name=f"At rest {marker}", start_date=datetime.now(UTC).date())
        cohort.start_date = local_today(cohort) - timedelta(days=16)
        session.add(cohort)
        session.flush()
        group = SmallGroup(cohort_id=cohort.id, name="Oak")
        person = User(
            email=f"at-rest-{marker}@example.test",
            display_name="At Rest",
            password_hash=password_hash(),
            role=Role.participant,
        )
        session.add_all([group, person])
        session.flush()
        session.add(
            Membership(
                user_id=person.id, cohort_id=cohort.id, small_group_id=group.id, role="participant"
            )
        )
        session.commit()
    try:
        yield application, person
    finally:
        with engine.begin() as connection:
            connection.execute(
                delete(AuditEvent).where(
                    (AuditEvent.actor_id == person.id) | (AuditEvent.subject_id == person.id)
                )
            )
            connection.execute(delete(User).where(User.id == person.id))
            connection.execute(delete(Cohort).where(Cohort.id == cohort.id))
        engine.dispose()


def sqlite_bytes(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_an_entrys_words_never_reach_the_database_file_its_wal_logs_or_urls(committed_app, caplog):
    application, person = committed_app
    caplog.set_level(logging.DEBUG)
    phrase = f"Marigold-{uuid.uuid4().hex}"
    title = f"Harbour-{uuid.uuid4().hex}"
    client = application.test_client()
    sign_in(client, person)
    response = post(
        client,
        "/journal/new",
        {**entry_form(f"I wrote {phrase} tonight", title=title), "sharing": "group"},
    )
    assert response.status_code == 303
    assert phrase not in response.location and title not in response.location
    entry_id = entry_id_of(response)
    assert phrase in page(client, f"/journal/{entry_id}")  # it is stored, and readable

    engine = application.extensions["tend_engine"]
    with engine.connect() as connection:
        raw = connection.execute(
            text("SELECT title, body FROM journal_entry WHERE id = :id"), {"id": entry_id}
        ).one()
    assert raw.body.startswith("gAAAAA") and phrase not in raw.body
    assert title not in raw.title

    url = application.config["TEND"].database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        before_checkpoint = sqlite_bytes(path)
        with sqlite3.connect(path) as connection:
            busy, *_ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        connection.close()
        assert busy == 0, "a reader kept the checkpoint from finishing"
        after_checkpoint = sqlite_bytes(path)
        # The control: what was committed in plain text is found, so the search is real.
        for stored in (before_checkpoint, after_checkpoint):
            assert person.email.encode() in stored
            assert phrase.encode() not in stored
            assert title.encode() not in stored
    assert phrase not in caplog.text and title not in caplog.text


# --- The outbox replayed: one entry per client UUID. ---------------------------------------


def autosave(client, data: dict):
    return client.post("/journal/autosave", data=data, headers={"X-CSRFToken": csrf_token(client)})


def test_an_autosave_replayed_with_the_same_uuid_stores_one_draft(client, db, participant):
    data = entry_form("typed offline", client_uuid=str(uuid.uuid4()))
    first = autosave(client, data)
    second = autosave(client, data)
    assert first.status_code == second.status_code == 200
    assert first.json["saved"] is True
    assert first.json["entry_id"] == second.json["entry_id"]
    [entry] = entries_of(db, participant)
    assert (entry.body, entry.draft) == ("typed offline", True)


def test_a_submission_replayed_with_the_same_uuid_stores_one_entry(client, db, participant):
    key = str(uuid.uuid4())
    first = write(client, "sent twice", client_uuid=key)
    second = write(client, "sent twice", client_uuid=key)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    [entry] = entries_of(db, participant)
    assert (entry.body, entry.draft) == ("sent twice", False)


def test_autosaved_drafts_then_the_final_save_make_one_saved_entry(client, db, participant):
    key = str(uuid.uuid4())
    autosave(client, entry_form("first words", client_uuid=key))
    autosave(client, entry_form("first words and more", client_uuid=key))
    response = write(client, "first words and more, done", client_uuid=key)
    assert response.status_code == 303
    [entry] = entries_of(db, participant)
    assert (entry.body, entry.draft) == ("first words and more, done", False)


def test_an_autosave_without_the_csrf_header_is_refused(client, db, participant):
    response = client.post("/journal/autosave", data=entry_form("no token"))
    assert response.status_code == 400
    assert entries_of(db, participant) == []


def test_an_autosave_with_a_malformed_uuid_is_refused(client, db, participant):
    assert autosave(client, entry_form("x", client_uuid="not-a-uuid")).status_code == 400
    assert entries_of(db, participant) == []


# --- Two devices: the conflict view. -------------------------------------------------------


def edit(client, entry: JournalEntry, body: str, version: int):
    return post(
        client,
        f"/journal/{entry.id}/edit",
        entry_form(body, client_uuid=entry.client_uuid, version=str(version)),
    )


@pytest.fixture
def two_devices(client, db, participant):
    """An entry saved at version 1, then changed from a laptop (version 2)."""
    entry_id = written(client, "the first text")
    [entry] = entries_of(db, participant)
    assert entry.version == 1
    assert edit(client, entry, "written on the laptop", version=1).status_code == 303
    [entry] = entries_of(db, participant)
    assert entry.version == 2
    return entry_id, entry


def test_two_devices_that_opened_the_same_entry_meet_in_the_conflict_view(
    app, client, db, participant
):
    entry_id = written(client, "the first text")
    laptop = signed_in(app, participant)
    phone_form = MultiDict(form_inputs(page(client, f"/journal/{entry_id}/edit"), "/edit"))
    laptop_form = MultiDict(form_inputs(page(laptop, f"/journal/{entry_id}/edit"), "/edit"))
    assert laptop_form["version"] == phone_form["version"] == "1"
    laptop_form["body"] = "changed on the laptop"
    assert laptop.post(f"/journal/{entry_id}/edit", data=laptop_form).status_code == 303
    phone_form["body"] = "changed on the phone"
    response = client.post(f"/journal/{entry_id}/edit", data=phone_form)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed on the laptop" in html and "changed on the phone" in html
    [stored] = entries_of(db, participant)
    assert (stored.body, stored.version) == ("changed on the laptop", 2)


def test_saving_over_a_newer_version_shows_both_texts_and_overwrites_nothing(
    client, db, participant, two_devices
):
    _entry_id, entry = two_devices
    response = edit(client, entry, "written on the phone", version=1)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Two versions of this entry" in html
    assert "written on the laptop" in html and "written on the phone" in html
    [stored] = entries_of(db, participant)
    assert (stored.body, stored.version) == ("written on the laptop", 2)


def test_keep_both_makes_two_entries(client, db, participant, two_devices):
    _entry_id, entry = two_devices
    conflict = edit(client, entry, "written on the phone", version=1).get_data(as_text=True)
    fields = dict(form_inputs(conflict, f"/journal/{entry.id}/resolve"))
    response = client.post(f"/journal/{entry.id}/resolve", data={**fields, "choice": "both"})
    assert response.status_code == 303
    bodies = sorted(e.body for e in entries_of(db, participant))
    assert bodies == ["written on the laptop", "written on the phone"]
    assert entry_id_of(response) != entry.id


def test_keep_mine_keeps_this_devices_text(client, db, participant, two_devices):
    entry_id, entry = two_devices
    conflict = edit(client, entry, "written on the phone", version=1).get_data(as_text=True)
    fields = dict(form_inputs(conflict, f"/journal/{entry.id}/resolve"))
    response = client.post(f"/journal/{entry.id}/resolve", data={**fields, "choice": "mine"})
    assert response.status_code == 303
    assert entry_id_of(response) == entry_id
    [stored] = entries_of(db, participant)
    assert (stored.body, stored.version) == ("written on the phone", 3)


def test_the_conflict_form_carries_the_feelings_and_sharing_of_this_device(
    client, db, participant, two_devices
):
    _entry_id, entry = two_devices
    data = entry_form(
        "from the phone",
        client_uuid=entry.client_uuid,
        version="1",
        feelings=["calm", "tired"],
        sharing="group",
        intensity="4",
    )
    conflict = post(client, f"/journal/{entry.id}/edit", data)
    assert conflict.status_code == 409
    fields = form_inputs(conflict.get_data(as_text=True), f"/journal/{entry.id}/resolve")
    response = client.post(
        f"/journal/{entry.id}/resolve", data=MultiDict([*fields, ("choice", "mine")])
    )
    assert response.status_code == 303
    [stored] = entries_of(db, participant)
    assert services.feelings_of(stored) == ["calm", "tired"]
    assert (stored.sharing, services.intensity_of(stored)) == ("group", 4)


def test_a_replay_of_the_same_text_with_a_stale_version_is_not_a_conflict(
    client, db, participant, two_devices
):
    _entry_id, entry = two_devices
    response = edit(client, entry, "written on the laptop", version=1)
    assert response.status_code == 303
    [stored] = entries_of(db, participant)
    assert (stored.body, stored.version) == ("written on the laptop", 2)


def test_an_autosave_over_a_newer_version_answers_409_and_keeps_the_saved_text(
    client, db, participant, two_devices
):
    entry_id, entry = two_devices
    data = entry_form(
        "stale draft", client_uuid=entry.client_uuid, version="1", entry_id=str(entry_id)
    )
    response = autosave(client, data)
    assert response.status_code == 409
    assert response.json == {"saved": False, "conflict": True, "version": 2}
    [stored] = entries_of(db, participant)
    assert stored.body == "written on the laptop"


# --- Bad input. ----------------------------------------------------------------------------


def test_an_entry_over_twenty_thousand_characters_is_refused_and_kept_in_the_form(
    client, db, participant
):
    body = "a" * services.BODY_MAX + "TAILMARK"
    response = write(client, body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert body in html  # the whole text is still in the textarea
    assert f"{len(body):,} of {services.BODY_MAX:,} characters" in html  # the counter
    assert "longer than 20000 characters" in html
    assert entries_of(db, participant) == []


def test_an_entry_of_exactly_twenty_thousand_characters_is_saved(client, db, participant):
    assert write(client, "b" * services.BODY_MAX).status_code == 303
    [entry] = entries_of(db, participant)
    assert len(entry.body) == services.BODY_MAX


def test_an_autosave_over_the_limit_is_refused_and_stores_nothing(client, db, participant):
    response = autosave(client, entry_form("c" * (services.BODY_MAX + 1)))
    assert response.status_code == 422
    assert response.json["saved"] is False and "body" in response.json["errors"]
    assert entries_of(db, participant) == []


def test_an_empty_entry_is_refused_with_a_kind_message(client, db, participant):
    response = write(client, "")
    assert response.status_code == 422
    assert "There is nothing to save yet. Write a few words first." in response.get_data(
        as_text=True
    )
    assert entries_of(db, participant) == []


SCRIPT = '<script>alert("boo")</script><img src=x onerror=alert(1)><b>bold</b>'


def assert_shown_as_text(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;boo&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_script_and_html_in_an_entry_are_shown_as_text(app, client, world, participant):
    entry_id = written(client, SCRIPT, title=SCRIPT[:50], sharing="group")
    assert_shown_as_text(page(client, f"/journal/{entry_id}"))
    assert_shown_as_text(page(client, "/journal/"))
    assert_shown_as_text(page(client, f"/journal/{entry_id}/edit"))
    assert_shown_as_text(page(signed_in(app, world.same_group), "/journal/group"))


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("GET", "/edit"),
        ("POST", "/edit"),
        ("POST", "/delete"),
        ("POST", "/sharing"),
        ("POST", "/resolve"),
    ],
)
def test_another_participants_entry_is_not_found_with_no_hint_that_it_exists(
    app, client, db, world, participant, method, suffix
):
    theirs = written(signed_in(app, world.same_group), "their secret words", sharing="group")
    missing = theirs + 10_000
    answers = []
    for entry_id in (theirs, missing):
        url = f"/journal/{entry_id}{suffix}"
        data = {**entry_form("taken over", sharing="private"), "choice": "mine"}
        response = client.get(url) if method == "GET" else post(client, url, data)
        answers.append(response)
    found, not_there = answers
    assert found.status_code == not_there.status_code == 404

    def without_tokens(response) -> str:
        html = response.get_data(as_text=True)
        html = re.sub(rf"/journal/({theirs}|{missing})\b", "/journal/ID", html)  # the asked URL
        return re.sub(r'("X-CSRFToken": "|name="csrf_token" value="|data-csrf=")[^"]+', r"\1", html)

    assert without_tokens(found) == without_tokens(not_there)
    assert "their secret words" not in without_tokens(found)
    [stored] = entries_of(db, world.same_group)
    assert (stored.body, stored.sharing, stored.version) == ("their secret words", "group", 1)


def test_sharing_a_new_entry_without_a_small_group_is_refused_and_kept(client, db, loner):
    sign_in(client, loner)
    for sharing in ("group", "facilitators"):
        response = write(client, "for a group I am not in", sharing=sharing)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "You are not in a small group yet" in html
        assert "for a group I am not in" in html
    assert entries_of(db, loner) == []


def test_sharing_an_existing_entry_without_a_small_group_is_refused(client, db, loner):
    sign_in(client, loner)
    entry_id = written(client, "only mine")
    response = post(
        client, f"/journal/{entry_id}/sharing", {"sharing": "group"}, follow_redirects=True
    )
    assert "You are not in a small group yet" in response.get_data(as_text=True)
    [entry] = entries_of(db, loner)
    assert (entry.sharing, entry.shared_at) == ("private", None)


def test_an_unknown_sharing_choice_is_refused(client, db, participant):
    response = write(client, "to everyone", sharing="everyone")
    assert response.status_code == 422
    assert entries_of(db, participant) == []


# --- Un-sharing, and names shown to peers. -------------------------------------------------


def test_unsharing_takes_effect_at_once_for_the_group_and_its_facilitators(
    app, client, world, participant
):
    entry_id = written(client, "shared for a while", sharing="group")
    peer = signed_in(app, world.same_group)
    facilitator = signed_in(app, world.facilitator)
    assert "shared for a while" in page(peer, "/journal/group")
    assert "shared for a while" in page(facilitator, reading_room_url(world))
    response = post(client, f"/journal/{entry_id}/sharing", {"sharing": "private"})
    assert response.status_code == 303
    assert "shared for a while" not in page(peer, "/journal/group")
    assert "shared for a while" not in page(facilitator, reading_room_url(world))
    assert "Only you can read this." in page(client, f"/journal/{entry_id}")


def test_narrowing_a_group_share_to_facilitators_hides_it_from_peers_only(
    app, client, world, participant
):
    entry_id = written(client, "narrowed", sharing="group")
    post(client, f"/journal/{entry_id}/sharing", {"sharing": "facilitators"})
    assert "narrowed" not in page(signed_in(app, world.same_group), "/journal/group")
    assert "narrowed" in page(signed_in(app, world.facilitator), reading_room_url(world))


def test_an_anonymous_share_shows_a_group_member_to_peers_and_the_name_to_facilitators(
    app, client, db, world, participant
):
    participant.display_name = "Rowan Quillfeather"
    db.add(participant)
    db.commit()
    written(client, "without my name", sharing="group", anonymous_to_peers="y")
    peer_page = page(signed_in(app, world.same_group), "/journal/group")
    assert "without my name" in peer_page
    assert "A group member" in peer_page
    assert "Rowan Quillfeather" not in peer_page
    room = page(signed_in(app, world.facilitator), reading_room_url(world))
    assert "without my name" in room and "Rowan Quillfeather" in room


def test_a_named_share_shows_the_authors_display_name_to_peers(app, client, db, world, participant):
    participant.display_name = "Rowan Quillfeather"
    db.add(participant)
    db.commit()
    written(client, "with my name", sharing="group")
    peer_page = page(signed_in(app, world.same_group), "/journal/group")
    assert "Rowan Quillfeather" in peer_page and "A group member" not in peer_page


def test_each_entry_says_in_plain_words_who_can_read_it(client, participant):
    statements = {
        "private": "Only you can read this.",
        "facilitators": "You and your small group's facilitators can read this.",
        "group": "Your small group and its facilitators can read this.",
    }
    for sharing, statement in statements.items():
        entry_id = written(client, f"shared {sharing}", sharing=sharing)
        assert statement in html.unescape(page(client, f"/journal/{entry_id}"))


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_list_says_who_can_read_each_entry_in_the_readers_language(
    app, client, participant, locale
):
    kinds = {
        "private": {"sharing": "private"},
        "facilitators": {"sharing": "facilitators"},
        "group": {"sharing": "group"},
        "group_anonymous": {"sharing": "group", "anonymous_to_peers": "y"},
    }
    for kind, fields in kinds.items():
        written(client, f"kind {kind}", **fields)
    post(client, "/language", {"locale": locale})
    listed = page(client, "/journal/")
    with app.test_request_context(), force_locale(locale):
        said = {kind: str(SHARING_STATEMENTS[kind]) for kind in ("draft", *kinds)}
    for kind in kinds:
        card = listed.split(f"kind {kind}</p>", 1)[1].split("</li>", 1)[0]
        assert f">{said[kind]}</p>" in html.unescape(card)


# --- The list: newest first, paging, week filter, search. ----------------------------------


def dated(db, user, body: str, *, minutes_ago: int, week: int = WEEK) -> JournalEntry:
    entry = services.save(
        db,
        user,
        client_uuid=str(uuid.uuid4()),
        fields=services.EntryFields(body=body, week=week),
        base_version=None,
        draft=False,
    )
    entry.created_at = utcnow() - timedelta(minutes=minutes_ago)
    db.add(entry)
    db.commit()
    return entry


def excerpts(html: str) -> list[str]:
    return re.findall(r'<p class="excerpt">([^<]*)</p>', html)


def test_the_list_is_newest_first_and_pages_with_more(client, db, participant):
    total = services.PAGE_SIZE + 3
    for n in range(total):
        dated(db, participant, f"entry number {n:02d}", minutes_ago=n)
    first = page(client, "/journal/")
    assert excerpts(first) == [f"entry number {n:02d}" for n in range(services.PAGE_SIZE)]
    assert "More entries" in first and "page=2" in first
    second = page(client, "/journal/?page=2")
    assert excerpts(second) == [f"entry number {n:02d}" for n in range(services.PAGE_SIZE, total)]
    assert "More entries" not in second


def test_more_entries_over_htmx_answers_only_the_list(client, db, participant):
    for n in range(services.PAGE_SIZE + 1):
        dated(db, participant, f"entry number {n:02d}", minutes_ago=n)
    response = client.get("/journal/?page=2", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="entry-list">')
    assert excerpts(html) == [f"entry number {services.PAGE_SIZE:02d}"]


def test_the_list_filters_by_week(client, db, participant):
    dated(db, participant, "from week one", minutes_ago=3, week=1)
    dated(db, participant, "from week two", minutes_ago=2, week=2)
    assert excerpts(page(client, "/journal/?week=1")) == ["from week one"]
    assert excerpts(page(client, "/journal/")) == ["from week two", "from week one"]


def test_the_list_shows_only_ones_own_entries(app, client, db, world, participant):
    dated(db, world.same_group, "someone else's", minutes_ago=1)
    dated(db, participant, "mine", minutes_ago=2)
    assert excerpts(page(client, "/journal/")) == ["mine"]


def test_search_finds_by_the_decrypted_words_and_never_puts_them_in_a_url(client, db, participant):
    for n in range(services.PAGE_SIZE + 2):
        dated(db, participant, f"Kingfisher by the river {n}", minutes_ago=n + 5)
    dated(db, participant, "nothing to see", minutes_ago=1)
    response = post(client, "/journal/search", {"q": "kingFISHER"})
    assert response.status_code == 200
    assert "Location" not in response.headers
    html = response.get_data(as_text=True)
    found = excerpts(html)
    assert len(found) == services.PAGE_SIZE + 2
    assert all("Kingfisher" in excerpt for excerpt in found)
    assert "nothing to see" not in html
    assert f"{services.PAGE_SIZE + 2} entries found." in html
    assert "More entries" not in html  # its link would be a GET, with the term in the URL
    urls = re.findall(r'(?:href|action|hx-get|hx-post|src)="([^"]*)"', html)
    assert urls and not any("kingfisher" in url.casefold() for url in urls)


# --- Export. -------------------------------------------------------------------------------


@pytest.fixture
def journal(client, db, world, participant):
    """Two saved entries and a draft of the participant, and an entry of someone else."""
    first = dated(db, participant, "first entry", minutes_ago=10, week=1)
    second = services.save(
        db,
        participant,
        client_uuid=str(uuid.uuid4()),
        fields=services.EntryFields(
            body="second entry", title="A title", week=2, feelings=["calm"], intensity=6
        ),
        base_version=None,
        draft=False,
    )
    services.save(
        db,
        participant,
        client_uuid=str(uuid.uuid4()),
        fields=services.EntryFields(body="still a draft"),
        base_version=None,
        draft=True,
    )
    dated(db, world.same_group, "not mine", minutes_ago=5)
    return [first, second]


def test_the_zip_holds_one_markdown_file_per_entry_and_the_same_entries_as_json(client, journal):
    response = client.get("/journal/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    markdown = sorted(name for name in names if name.endswith(".md"))
    assert len(markdown) == len(journal) and "journal.json" in names
    assert len(names) == len(journal) + 1
    for entry in journal:
        [name] = [n for n in markdown if n.endswith(f"-{entry.id}.md")]
        assert entry.body in archive.read(name).decode("utf-8")
    texts = [archive.read(name).decode("utf-8") for name in markdown]
    assert any(t.startswith("# A title") and "- Feelings: calm" in t for t in texts)
    assert not any("still a draft" in t or "not mine" in t for t in texts)
    listed = json.loads(archive.read("journal.json"))
    assert [(e["id"], e["body"]) for e in listed] == [(e.id, e.body) for e in journal]


def test_the_json_export_lists_only_ones_own_saved_entries(client, journal):
    response = client.get("/journal/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    listed = json.loads(response.data)
    assert [e["id"] for e in listed] == [e.id for e in journal]
    assert {e["body"] for e in listed} == {"first entry", "second entry"}
    second = listed[1]
    assert (second["title"], second["feelings"], second["intensity"]) == ("A title", ["calm"], 6)
    assert "still a draft" not in response.get_data(as_text=True)
    assert "not mine" not in response.get_data(as_text=True)
