"""What changes with APP_ENV=production: HTTPS only, HSTS, __Host- cookies, and forms still work
although browsers send no Referer (Referrer-Policy: no-referrer)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token

HTTPS = "https://localhost"


@pytest.fixture
def production(make_app):
    return make_app(env="production")


def test_production_redirects_plain_http_to_https_permanently(production):
    response = production.test_client().get("/help")
    assert response.status_code in (301, 308)
    assert response.location == "https://localhost/help"


def test_hsts_asks_for_preloading_only_when_the_deployment_says_so(production, make_app):
    plain = production.test_client().get("/help", base_url=HTTPS)
    assert "preload" not in plain.headers["Strict-Transport-Security"]
    preloaded = make_app(env="production", hsts_preload=True).test_client()
    header = preloaded.get("/help", base_url=HTTPS).headers["Strict-Transport-Security"]
    assert "preload" in header
    assert "includeSubDomains" in header
    assert "max-age=31536000" in header


def test_production_sends_hsts_over_https(production):
    response = production.test_client().get("/help", base_url=HTTPS)
    assert response.status_code == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_production_signs_in_over_https_with_a_secure_host_prefixed_cookie(production, world):
    client = production.test_client()
    data = {
        "csrf_token": csrf_token_over_https(client),
        "email": world.participant.email,
        "password": PASSWORD,
    }
    # No Referer header: with Referrer-Policy no-referrer, browsers send none.
    response = client.post("/signin", data=data, base_url=HTTPS)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-"))
    assert cookie.startswith("__Host-tend=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie
    assert client.get("/", base_url=HTTPS).status_code == 200


def test_production_still_refuses_a_post_without_a_csrf_token(production):
    client = production.test_client()
    csrf_token_over_https(client)
    response = client.post("/language", data={"locale": "fr_CA"}, base_url=HTTPS)
    assert response.status_code == 400


def csrf_token_over_https(client) -> str:
    page = client.get("/help", base_url=HTTPS).get_data(as_text=True)
    return page.split('"X-CSRFToken": "')[1].split('"')[0]


def test_development_does_not_force_https_or_secure_cookies(client, world):
    assert client.get("/help").status_code == 200
    data = {
        "csrf_token": csrf_token(client),
        "email": world.participant.email,
        "password": PASSWORD,
    }
    response = client.post("/signin", data=data)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("tend="))
    assert "Secure" not in cookie
