"""The installed app's manifest: long-press shortcuts to Settle and the journal, named in the
person's language, and the icons a home screen needs (one maskable)."""

from __future__ import annotations

import json

from tests.conftest import post


def manifest(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_the_manifest_offers_settle_now_and_the_journal_as_shortcuts(client):
    shortcuts = {s["url"]: s["name"] for s in manifest(client)["shortcuts"]}
    assert shortcuts == {"/settle/": "Settle now", "/journal/new": "Write an entry"}


def test_the_shortcuts_speak_the_persons_language(client):
    post(client, "/language", {"locale": "fr_CA"})
    names = [s["name"] for s in manifest(client)["shortcuts"]]
    assert names == ["Se poser maintenant", "Écrire une entrée"]


def test_the_icons_include_a_maskable_one(client):
    purposes = {icon["purpose"] for icon in manifest(client)["icons"]}
    assert {"any", "maskable"} <= purposes
