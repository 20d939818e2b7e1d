"""htmx requests: pages for boosted navigations and history restores, fragments otherwise,
and Vary: HX-Request so a cache never serves one for the other."""

from __future__ import annotations

import pytest

from app.security import wants_partial
from tests.conftest import csrf_token, sign_in

BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
HISTORY_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


@pytest.mark.parametrize(
    ("headers", "partial"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Target": "main"}, True),
        (BOOSTED, False),
        (HISTORY_RESTORE, False),
        ({"HX-Request": "false"}, False),
    ],
    ids=["plain", "htmx", "htmx-targeted", "boosted", "history-restore", "htmx-false"],
)
def test_a_partial_is_wanted_only_for_a_plain_htmx_request(app, headers, partial):
    with app.test_request_context("/", headers=headers):
        assert wants_partial() is partial


@pytest.mark.parametrize("headers", [BOOSTED, HISTORY_RESTORE], ids=["boosted", "restore"])
def test_boosted_navigation_and_history_restore_get_the_whole_page(client, world, headers):
    sign_in(client, world.participant)
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.vary


def test_a_signed_out_htmx_request_gets_a_bodyless_401_that_redirects_the_whole_page(client):
    response = client.get("/account", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/signin"
    assert response.get_data(as_text=True) == ""
    assert "HX-Request" in response.vary


def test_a_signed_out_boosted_click_is_also_redirected_by_htmx_not_by_a_302(client):
    response = client.get("/account", headers=BOOSTED)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/signin"


def test_an_error_on_an_htmx_request_replaces_the_body_not_the_fragment(client, world):
    sign_in(client, world.participant)
    response = client.get("/admin/people", headers={"HX-Request": "true", "HX-Target": "main"})
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "body"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "HX-Request" in response.vary


def test_the_same_address_answers_differently_to_htmx_so_it_varies_on_hx_request(client):
    plain = client.get("/account")
    htmx = client.get("/account", headers={"HX-Request": "true"})
    assert plain.status_code != htmx.status_code
    assert "HX-Request" in plain.vary
    assert "HX-Request" in htmx.vary


def test_htmx_is_configured_once_without_eval_styles_or_history_snapshots(client):
    page = client.get("/signin").get_data(as_text=True)
    assert page.count('name="htmx-config"') == 1
    assert '"allowEval":false' in page
    assert '"includeIndicatorStyles":false' in page
    assert '"historyCacheSize":0' in page
    assert "hx-on" not in page


PARTIAL_URL = "/week/3/practice/self-holding-hands/done"  # the first view with a partial


def test_an_htmx_post_to_a_view_with_a_partial_gets_the_fragment_not_the_page(client, world):
    sign_in(client, world.participant)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(client)}
    response = client.post(PARTIAL_URL, data={"done": "1"}, headers=headers)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment
    assert fragment.lstrip().startswith("<form")
    assert "HX-Request" in response.vary
    assert response.headers["Cache-Control"] == "no-store"


def test_the_same_post_without_htmx_redirects_to_the_page(client, world):
    sign_in(client, world.participant)
    response = client.post(PARTIAL_URL, data={"done": "1", "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert "HX-Request" in response.vary
