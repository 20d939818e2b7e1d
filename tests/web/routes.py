"""Every route of the app, and a concrete URL for each, shared by the matrix and header tests."""

from __future__ import annotations

from flask import Flask, url_for

from app import create_app
from tests.conftest import post


def app_routes(application: Flask) -> set[tuple[str, str]]:
    """(endpoint, method) for every rule, HEAD and OPTIONS aside."""
    return {
        (rule.endpoint, method)
        for rule in application.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


# Read from a real app at collection, so parametrisations follow the url_map.
ROUTES = sorted(app_routes(create_app({"database_url": "sqlite://"})))


def route_url(application: Flask, endpoint: str, world, invite, **overrides) -> str:
    """A concrete URL for the route, with ids from the world the test built (or overrides)."""
    values = {
        "cohort_id": world.cohort.id,
        "invite_id": invite.id,
        "filename": "css/app.css",
        "number": 3,  # the world's cohort is in week 3
        "practice_id": "self-holding-hands",  # one of week 3's practices in the core bundle
        "exercise_id": "box-breathing",
        "entry_id": 999_999,  # nobody's entry: the owner check answers before anything else
        "group_id": world.cedar.id,
        "response_id": 999_999,
        "flag_id": 999_999,
        "session_id": 999_999,
        "document_id": "treatment",
        "token": "not-a-real-token",
        "week": 3,
        "device_id": 999_999,
        "contact_id": 999_999,
        "key": "no-such-message",
        "meeting_id": 999_999,
        "change_id": 999_999,
        "day": "2026-01-05",
        "passkey_id": 999_999,
        "user_id": world.same_group.id,  # a participant of the world's cohort, not signed in
        **overrides,
    }
    rule = next(application.url_map.iter_rules(endpoint))
    missing = rule.arguments - values.keys()
    assert not missing, f"route_url needs a value for {sorted(missing)} of {endpoint}"
    with application.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def request_route(client, url: str, method: str, headers: dict | None = None):
    """GET, or POST with a valid CSRF token and no other field; the response is read and closed."""
    if method == "GET":
        response = client.get(url, headers=headers)
    else:
        response = post(client, url, headers=headers)
    response.get_data()
    response.close()  # static files stream from an open file until closed
    return response
