"""Input no person types by accident, but anyone can send: an id past 64 bits answers 404 on
every route (never a 500 or a 503 from the database), and a NUL byte in any field answers 400
with a kind message."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token, post, sign_in
from tests.web.routes import ROUTES, route_url

TOO_BIG = [2**63, 10**30]


def int_routes(app) -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for endpoint, method in ROUTES:
        rule = next(app.url_map.iter_rules(endpoint))
        names = tuple(
            name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)
        )
        if names:
            found.append((endpoint, method, names))
    return found


def test_some_routes_take_ids(app):
    assert len(int_routes(app)) > 30


@pytest.mark.parametrize("who", ["participant", "facilitator", "admin"])
def test_every_route_with_an_id_answers_404_past_64_bits(app, client, world, invite, who):
    sign_in(client, getattr(world, who))
    token = csrf_token(client)
    wrong = []
    sentinel = 987654321  # an ordinary id, swapped for the huge one in the built path
    for endpoint, method, names in int_routes(app):
        url = route_url(app, endpoint, world, invite, **dict.fromkeys(names, sentinel))
        for huge in TOO_BIG:
            path = url.replace(str(sentinel), str(huge))
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": token})
            if response.status_code != 404:
                wrong.append((endpoint, method, huge, response.status_code))
    assert not wrong


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/journal/autosave", {"entry_id": str(2**64), "body": "kept"}),
        ("/journal/autosave", {"entry_id": str(10**30), "body": "kept"}),
        ("/journal/?entry_id=" + str(2**64), None),
    ],
)
def test_an_id_past_64_bits_in_a_form_or_query_answers_404(client, world, url, data):
    sign_in(client, world.participant)
    response = client.get(url) if data is None else post(client, url, data)
    assert response.status_code == 404


def test_an_int_converter_still_takes_ordinary_ids(app):
    adapter = app.url_map.bind("localhost")
    endpoint, values = adapter.match("/journal/" + str(2**63 - 1))
    assert values == {"entry_id": 2**63 - 1}


NUL_MESSAGE = "invisible character"


@pytest.mark.parametrize(
    ("url", "field"),
    [("/signin", "email"), ("/signin", "password"), ("/language", "locale"), ("/language", "next")],
)
def test_a_nul_byte_in_a_public_form_answers_400_kindly(client, url, field):
    response = post(client, url, {field: "a\x00b"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_byte_in_a_signed_in_form_answers_400_kindly(client, world):
    sign_in(client, world.participant)
    response = post(client, "/journal/new", {"body": "Today\x00", "title": "t"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_byte_in_the_query_or_path_answers_400(client, world):
    sign_in(client, world.participant)
    assert client.get("/journal/search?q=a%00b").status_code == 400
    assert client.get("/settle/box%00breathing").status_code == 400


def test_a_nul_byte_in_json_answers_400(client, world):
    sign_in(client, world.participant)
    response = client.post(
        "/csp-report",
        data='{"csp-report": {"blocked-uri": "a\\u0000b"}}',
        content_type="application/csp-report",
    )
    assert response.status_code == 400
