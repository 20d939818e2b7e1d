"""Security and caching headers on every route, signed in and signed out."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.web.routes import ROUTES, request_route, route_url

# Deny by default, then each kind of resource the pages load, from this origin only.
EXPECTED_CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "report-uri": "/csp-report",
    "report-to": "csp",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# The only responses that may be kept by a cache; everything else is no-store.
CACHEABLE = {
    "static": IMMUTABLE,
    "pwa.service_worker": "no-cache",
    "pwa.offline": "no-cache",
    "pwa.manifest": "no-cache",
}


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            assert name not in directives, f"{name} appears twice"
            directives[name] = value.strip()
    return directives


@pytest.fixture(params=["signed_out", "participant"])
def visitor(request, client, world):
    if request.param != "signed_out":
        sign_in(client, getattr(world, request.param))
    return client


# One request per route and visitor checks both its security and its caching headers: the
# headers do not depend on the database, so this runs once, on the run's one app.
@pytest.mark.parametrize(("endpoint", "method"), ROUTES)
@pytest.mark.any_database
@pytest.mark.shared_app
def test_every_route_sends_the_security_headers_and_only_public_shell_files_may_be_cached(
    app, visitor, world, invite, endpoint, method
):
    response = request_route(visitor, route_url(app, endpoint, world, invite), method)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert parse_csp(csp) == EXPECTED_CSP
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in headers["Permissions-Policy"]
    assert "HX-Request" in response.vary
    assert "Access-Control-Allow-Origin" not in headers  # nothing is shared cross-origin
    assert "Strict-Transport-Security" not in headers  # HSTS is for production only
    cache_control = headers["Cache-Control"]
    if endpoint in CACHEABLE and response.status_code == 200:
        assert cache_control == CACHEABLE[endpoint]
    else:
        assert cache_control == "no-store"


def test_the_service_worker_is_revalidated_on_every_load_and_controls_the_root(client):
    response = client.get("/sw.js")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"


def test_pages_link_fingerprinted_static_files_that_are_cached_for_a_year(client):
    page = client.get("/signin").get_data(as_text=True)
    assert "/static/css/app.css?v=" in page
    href = page.split('href="/static/css/app.css?v=')[1].split('"')[0]
    response = client.get(f"/static/css/app.css?v={href}")
    response.close()
    assert response.headers["Cache-Control"] == IMMUTABLE


def test_a_static_file_without_its_fingerprint_is_not_cached_as_immutable(client):
    response = client.get("/static/css/app.css")
    response.close()
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


def test_a_signed_in_page_is_no_store_even_for_the_public_help_page(client, world):
    sign_in(client, world.participant)
    assert client.get("/help").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_http_only_and_same_site_lax(client, world):
    response = sign_in(client, world.participant)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("tend="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
