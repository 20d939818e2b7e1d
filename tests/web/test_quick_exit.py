"""Quick exit's beacon ends the session on the server; a forged one from another site cannot."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, sign_in


def test_the_beacon_with_the_pages_token_ends_the_session(client, world):
    sign_in(client, world.participant)
    response = client.post("/quick-exit", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 204
    home = client.get("/")
    assert home.status_code == 302
    assert home.location.endswith("/signin")


def test_a_same_origin_beacon_without_a_token_ends_the_session(client, world):
    sign_in(client, world.participant)
    response = client.post("/quick-exit", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 204
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none", None])
def test_a_beacon_from_elsewhere_without_a_token_is_refused(client, world, site):
    sign_in(client, world.participant)
    headers = {"Sec-Fetch-Site": site} if site else {}
    response = client.post("/quick-exit", headers=headers)
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_signed_in_pages_are_never_stored_by_the_browser(client, world):
    sign_in(client, world.participant)
    for url in ("/", "/account", "/journal"):
        assert client.get(url).headers["Cache-Control"] == "no-store"
