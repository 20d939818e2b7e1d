"""The key that seals the offline outbox on a phone: only for the signed-in person, never
cached, the same for the same person at every sign-in, and given to nobody else."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from tests.conftest import post, sign_in
from tests.web.test_exercises import sign_in_on_shared_device

KEY_URL = "/outbox/key"


def key_of(client) -> bytes:
    response = client.get(KEY_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    raw = response.get_json()["key"]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))


def test_signed_out_there_is_no_key(client):
    response = client.get(KEY_URL)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/signin"
    assert b"key" not in response.get_data()


def test_the_key_is_the_persons_own_and_comes_back_at_every_sign_in(app, world):
    first, again, other = app.test_client(), app.test_client(), app.test_client()
    sign_in(first, world.participant)
    sign_in(again, world.participant)
    sign_in(other, world.same_group)
    mine = key_of(first)
    assert len(mine) == 32  # AES-256
    assert key_of(again) == mine
    assert key_of(other) != mine


def test_after_sign_out_the_same_device_gets_no_key(client, world):
    sign_in(client, world.participant)
    assert key_of(client)

    assert post(client, "/signout").status_code == 303
    assert client.get(KEY_URL).status_code == 302


def test_a_deactivated_account_gets_no_key(client, world, db):
    sign_in(client, world.participant)
    assert key_of(client)
    person = world.participant
    person.active = False
    db.add(person)
    db.commit()
    response = client.get(KEY_URL)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/signin"


def test_a_device_marked_as_shared_is_given_no_key(client, world):
    sign_in_on_shared_device(client, world.participant)
    response = client.get(KEY_URL)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_json() == {"key": None}
