"""Two devices and two requests writing one entry: every write names the version it saw, the
loser meets the conflict view, and nothing anyone was told is saved is ever overwritten unseen.
Each race of the fault trials (`make trials`) has its fast, deterministic version here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from app.journal import services
from app.models import JournalEntry, SignInSession
from tests.conftest import csrf_token, post, sign_in
from tests.web.test_journal import (
    entries_of,
    entry_form,
    entry_id_of,
    form_inputs,
    page,
    signed_in,
    written,
)


@pytest.fixture
def participant(client, world):
    from tests.conftest import sign_in

    sign_in(client, world.participant)
    return world.participant


def autosave(client, data: dict):
    return client.post("/journal/autosave", data=data, headers={"X-CSRFToken": csrf_token(client)})


def autosave_over(client, entry_id: int, entry_uuid: str, body: str, version: int, **fields):
    data = entry_form(body, client_uuid=entry_uuid, version=str(version), **fields)
    return autosave(client, {**data, "entry_id": str(entry_id)})


def stored(db, person) -> JournalEntry:
    [entry] = entries_of(db, person)
    return entry


# --- 1. Two devices autosaving changes to an already saved entry. ------------------------


def test_the_second_device_autosaving_over_the_firsts_changes_meets_a_conflict(
    app, client, db, participant
):
    entry_id = written(client, "as saved")
    entry = stored(db, participant)
    laptop = signed_in(app, participant)
    first = autosave_over(client, entry_id, entry.client_uuid, "the phone's changes", 1)
    assert first.status_code == 200 and first.json["saved"] is True
    second = autosave_over(laptop, entry_id, entry.client_uuid, "the laptop's changes", 1)
    assert second.status_code == 409 and second.json["conflict"] is True
    kept = stored(db, participant)
    assert kept.body == "as saved"
    assert services.pending_fields(kept).body == "the phone's changes"


def test_two_devices_autosaving_then_saving_keep_both_texts_or_show_the_conflict(
    app, client, db, participant
):
    """Both devices were told "saved" before; the last one to save must not win unseen."""
    entry_id = written(client, "as saved")
    entry = stored(db, participant)
    laptop = signed_in(app, participant)
    phone_answer = autosave_over(client, entry_id, entry.client_uuid, "phone words", 1)
    phone_version = phone_answer.json["version"]
    laptop_answer = autosave_over(laptop, entry_id, entry.client_uuid, "laptop words", 1)
    assert laptop_answer.status_code == 409
    # The phone saves what it typed; the laptop then taps Save with the version it had.
    saved = post(
        client,
        f"/journal/{entry_id}/edit",
        entry_form("phone words", client_uuid=entry.client_uuid, version=str(phone_version)),
    )
    assert saved.status_code == 303
    late = post(
        laptop,
        f"/journal/{entry_id}/edit",
        entry_form("laptop words", client_uuid=entry.client_uuid, version="1"),
    )
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "phone words" in html and "laptop words" in html
    assert stored(db, participant).body == "phone words"


def test_the_conflict_view_shows_the_other_devices_changes_not_saved_yet(
    app, client, db, participant
):
    entry_id = written(client, "as saved")
    entry = stored(db, participant)
    laptop = signed_in(app, participant)
    autosave_over(client, entry_id, entry.client_uuid, "typed on the phone, not saved", 1)
    response = post(
        laptop,
        f"/journal/{entry_id}/edit",
        entry_form("saved on the laptop", client_uuid=entry.client_uuid, version="1"),
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "typed on the phone, not saved" in html and "saved on the laptop" in html
    assert "not saved yet" in html
    kept = stored(db, participant)
    assert kept.body == "as saved"
    assert services.pending_fields(kept).body == "typed on the phone, not saved"


def test_letting_go_of_changes_lets_go_only_of_those_the_page_showed(app, client, db, participant):
    entry_id = written(client, "as saved")
    entry = stored(db, participant)
    autosave_over(client, entry_id, entry.client_uuid, "first changes", 1)
    shown = dict(form_inputs(page(client, f"/journal/{entry_id}/edit"), "/discard-changes"))
    laptop = signed_in(app, participant)
    autosave_over(laptop, entry_id, entry.client_uuid, "newer changes", int(shown["version"]))
    response = client.post(f"/journal/{entry_id}/discard-changes", data=shown)
    assert response.status_code == 303 and response.location.endswith("/edit")
    assert services.pending_fields(stored(db, participant)).body == "newer changes"


def test_a_sharing_change_made_over_a_newer_version_is_asked_again(app, client, db, participant):
    entry_id = written(client, "as saved")
    shown = dict(form_inputs(page(client, f"/journal/{entry_id}"), "/sharing"))
    assert shown["version"] == "1"
    laptop = signed_in(app, participant)
    entry = stored(db, participant)
    assert (
        post(
            laptop,
            f"/journal/{entry_id}/edit",
            entry_form("changed on the laptop", client_uuid=entry.client_uuid, version="1"),
        ).status_code
        == 303
    )
    response = client.post(f"/journal/{entry_id}/sharing", data={**shown, "sharing": "group"})
    assert response.status_code == 409
    assert "choose again" in response.get_data(as_text=True)
    assert stored(db, participant).sharing == "private"
    fresh = dict(form_inputs(response.get_data(as_text=True), "/sharing"))
    again = client.post(f"/journal/{entry_id}/sharing", data={**fresh, "sharing": "group"})
    assert again.status_code == 303
    assert stored(db, participant).sharing == "group"


# --- 2. Autosave and Save of a new entry reaching the server together. -------------------


def test_an_autosave_arriving_after_the_save_it_preceded_is_ignored(client, db, participant):
    key = str(uuid.uuid4())
    response = post(client, "/journal/new", entry_form("the whole text, finished", client_uuid=key))
    assert response.status_code == 303
    late = autosave(client, entry_form("the whole te", client_uuid=key))
    assert late.status_code == 200
    kept = stored(db, participant)
    assert (kept.body, kept.draft, kept.pending) == ("the whole text, finished", False, None)


def test_a_save_that_loses_the_insert_to_its_own_autosave_still_saves_its_text(
    client, db, participant, monkeypatch
):
    """The autosave's row is committed between the Save's look-up and its insert."""
    key = str(uuid.uuid4())
    real = services.by_uuid
    raced = []

    def racing(session, user, client_uuid):
        if not raced:
            raced.append(True)
            services.save(
                session,
                user,
                client_uuid=client_uuid,
                fields=services.EntryFields(body="the whole te", week=3),
                base_version=None,
                draft=True,
            )
            return None
        return real(session, user, client_uuid)

    monkeypatch.setattr(services, "by_uuid", racing)
    response = post(client, "/journal/new", entry_form("the whole text, finished", client_uuid=key))
    assert response.status_code == 303
    kept = stored(db, participant)
    assert (kept.body, kept.draft, kept.pending) == ("the whole text, finished", False, None)


def test_an_autosave_that_loses_the_insert_to_the_save_leaves_the_save_alone(
    client, db, participant, monkeypatch
):
    key = str(uuid.uuid4())
    real = services.by_uuid
    raced = []

    def racing(session, user, client_uuid):
        if not raced:
            raced.append(True)
            services.save(
                session,
                user,
                client_uuid=client_uuid,
                fields=services.EntryFields(body="the whole text, finished", week=3),
                base_version=None,
                draft=False,
            )
            return None
        return real(session, user, client_uuid)

    monkeypatch.setattr(services, "by_uuid", racing)
    assert autosave(client, entry_form("the whole te", client_uuid=key)).status_code == 200
    kept = stored(db, participant)
    assert (kept.body, kept.draft, kept.pending) == ("the whole text, finished", False, None)


# --- 3. "Keep this device's text" resolves against the version the conflict view showed. --


def test_keeping_this_devices_text_never_overwrites_a_save_the_page_did_not_show(
    app, client, db, participant
):
    entry_id = written(client, "the first text")
    entry = stored(db, participant)
    laptop = signed_in(app, participant)
    tablet = signed_in(app, participant)
    form = entry_form("from the laptop", client_uuid=entry.client_uuid, version="1")
    assert post(laptop, f"/journal/{entry_id}/edit", form).status_code == 303
    phone = entry_form("from the phone", client_uuid=entry.client_uuid, version="1")
    conflict = post(client, f"/journal/{entry_id}/edit", phone)
    assert conflict.status_code == 409
    fields = form_inputs(conflict.get_data(as_text=True), f"/journal/{entry_id}/resolve")
    # While the phone shows the conflict view (laptop's version 2), the tablet saves again.
    form = entry_form("from the tablet, newer", client_uuid=entry.client_uuid, version="2")
    assert post(tablet, f"/journal/{entry_id}/edit", form).status_code == 303
    response = client.post(
        f"/journal/{entry_id}/resolve", data=MultiDict([*fields, ("choice", "mine")])
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "from the tablet, newer" in html and "from the phone" in html
    assert stored(db, participant).body == "from the tablet, newer"
    # The new conflict view, in turn, resolves against what it showed.
    fields = form_inputs(html, f"/journal/{entry_id}/resolve")
    response = client.post(
        f"/journal/{entry_id}/resolve", data=MultiDict([*fields, ("choice", "mine")])
    )
    assert response.status_code == 303
    assert stored(db, participant).body == "from the phone"


def test_keep_both_tapped_twice_makes_one_copy(app, client, db, participant):
    entry_id = written(client, "the first text")
    entry = stored(db, participant)
    laptop = signed_in(app, participant)
    form = entry_form("from the laptop", client_uuid=entry.client_uuid, version="1")
    post(laptop, f"/journal/{entry_id}/edit", form)
    phone = entry_form("from the phone", client_uuid=entry.client_uuid, version="1")
    conflict = post(client, f"/journal/{entry_id}/edit", phone).get_data(as_text=True)
    fields = form_inputs(conflict, f"/journal/{entry_id}/resolve")
    for _ in range(2):
        response = client.post(
            f"/journal/{entry_id}/resolve", data=MultiDict([*fields, ("choice", "both")])
        )
        assert response.status_code == 303
    assert entry_id_of(response) != entry_id
    assert sorted(e.body for e in entries_of(db, participant)) == [
        "from the laptop",
        "from the phone",
    ]


# --- 4. The session ends while the person types. ------------------------------------------


def end_sessions(db, person) -> None:
    """As if the person had been idle past their limit."""
    db.exec(
        update(SignInSession)
        .where(SignInSession.user_id == person.id)
        .values(last_seen_at=datetime(2000, 1, 1, tzinfo=UTC))
    )
    db.commit()


def test_a_replay_under_an_ended_session_is_refused_with_401_never_a_redirect_to_follow(
    client, db, participant
):
    """The outbox follows redirects: a 303 to the sign-in page would end as a 200 it takes
    for "sent", and it would drop the words. A 401 keeps them queued for after sign-in."""
    key = str(uuid.uuid4())
    draft = autosave(client, entry_form("typed before", client_uuid=key))
    assert draft.status_code == 200
    token = csrf_token(client)
    end_sessions(db, participant)
    response = client.post(
        "/journal/autosave",
        data={**entry_form("typed before and after", client_uuid=key), "intent": "save"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 401
    assert response.json == {"signed_in": False, "signin_url": "/signin"}
    assert stored(db, participant).body == "typed before"
    # The same person signs in again and the outbox replays the Save: it is saved as a Save.
    sign_in(client, participant)
    replayed = autosave(
        client,
        {
            **entry_form(
                "typed before and after", client_uuid=key, version=str(draft.json["version"])
            ),
            "entry_id": str(draft.json["entry_id"]),
            "intent": "save",
        },
    )
    assert replayed.status_code == 200 and replayed.json["draft"] is False
    kept = stored(db, participant)
    assert (kept.body, kept.draft) == ("typed before and after", False)


def test_a_page_save_under_an_ended_session_leads_to_sign_in_and_saves_nothing(
    client, db, participant
):
    key = str(uuid.uuid4())
    assert autosave(client, entry_form("typed before", client_uuid=key)).status_code == 200
    end_sessions(db, participant)
    response = post(client, "/journal/new", entry_form("typed before and after", client_uuid=key))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/signin")
    assert stored(db, participant).body == "typed before"


# --- 5. A Save made offline, replayed by the outbox. ---------------------------------------


def test_a_save_made_offline_is_replayed_as_a_save_shared_as_chosen(client, db, participant):
    key = str(uuid.uuid4())
    draft = autosave(client, entry_form("begun online", client_uuid=key))
    assert draft.status_code == 200 and draft.json["draft"] is True
    replayed = autosave(
        client,
        {
            **entry_form(
                "begun online, finished offline",
                client_uuid=key,
                version=str(draft.json["version"]),
                sharing="group",
            ),
            "entry_id": str(draft.json["entry_id"]),
            "intent": "save",
        },
    )
    assert replayed.status_code == 200 and replayed.json["draft"] is False
    kept = stored(db, participant)
    assert (kept.body, kept.draft, kept.sharing) == (
        "begun online, finished offline",
        False,
        "group",
    )
    assert kept.shared_at is not None
    # Replayed twice (the answer was lost on the way back): still one entry, unchanged.
    again = autosave(
        client,
        {
            **entry_form(
                "begun online, finished offline",
                client_uuid=key,
                version=str(draft.json["version"]),
                sharing="group",
            ),
            "entry_id": str(draft.json["entry_id"]),
            "intent": "save",
        },
    )
    assert again.status_code == 200
    assert [entry.version for entry in entries_of(db, participant)] == [kept.version]
