"""The production headers scored by the Mozilla HTTP Observatory's published rules.

Scoring (httpobs/docs/scoring.md): every site starts at 100; each test adds its modifier; the
bonuses count only when the score without them is 90 or more; the highest possible is 135.
Scored here from a production app's answers: the redirect from http, a signed-in page over
https (its cookies included) and the script tags of that page. "HSTS preloaded" is scored from
the header that qualifies a site for the preload list (a year, subdomains, `preload`); being on
the list is the deployment's own submission.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import CSRF_PATTERN, PASSWORD

HTTPS = "https://localhost"
ONE_YEAR = 31536000


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def _csp(header: str | None) -> dict[str, list[str]]:
    policy = {}
    for part in (header or "").split(";"):
        name, *values = part.split()
        if name:
            policy[name.lower()] = values
    return policy


def score_csp(headers) -> tuple[int, bool]:
    """(modifier, strong): strong means X-XSS-Protection is not needed."""
    header = headers.get("Content-Security-Policy")
    if not header:
        return -25, False
    policy = _csp(header)
    default = policy.get("default-src", [])

    def sources(directive: str) -> list[str]:
        return policy.get(directive, default)

    scripts, objects, styles = sources("script-src"), sources("object-src"), sources("style-src")
    if not policy.get("script-src") and not default:
        return -20, False  # script-src not restricted
    if not policy.get("object-src") and not default:
        return -20, False
    broad = {"*", "https:", "http:", "data:", "'unsafe-inline'"}
    if broad & set(scripts) or {"*", "https:", "http:"} & set(objects):
        return -20, False
    if "'unsafe-eval'" in scripts:
        return -10, False
    if any(value.startswith("http:") for values in policy.values() for value in values):
        return -20, False
    if broad & set(styles):
        return 0, True
    return (10 if default == ["'none'"] else 5), True


def score_cookies(cookies: list[str], hsts: bool) -> int:
    if not cookies:
        return 0
    lowered = [cookie.lower() for cookie in cookies]
    flags = [{part.strip() for part in cookie.split(";")[1:]} for cookie in lowered]
    if any("secure" not in found for found in flags):
        return -10 if hsts else -40
    if any("httponly" not in found for found in flags):
        return -30
    samesite = [re.search(r"samesite=(\w+)", cookie) for cookie in lowered]
    if all(found and found.group(1) in ("strict", "lax") for found in samesite):
        return 5
    if any(found and found.group(1) not in ("strict", "lax") for found in samesite):
        return -20
    return 0


def score_hsts(header: str | None) -> int:
    if not header:
        return -20
    fields = {
        key.strip().lower(): value.strip()
        for key, _, value in (part.partition("=") for part in header.split(";"))
    }
    try:
        max_age = int(fields.get("max-age", ""))
    except ValueError:
        return -20
    if max_age < 15768000:
        return -10
    preload_ready = max_age >= ONE_YEAR and "includesubdomains" in fields and "preload" in fields
    return 5 if preload_ready else 0


def score_redirect(response) -> int:
    if response.status_code not in (301, 302, 303, 307, 308):
        return -20
    location = response.headers.get("Location", "")
    if not location.startswith("https://localhost/"):
        return -5 if location.startswith("https://") else -20
    return 0


def score_referrer(header: str | None) -> int:
    if not header:
        return 0
    value = header.split(",")[-1].strip().lower()
    if value in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"):
        return 5
    if value == "no-referrer-when-downgrade":
        return 0
    return -5


def score_sri(html: str) -> int:
    parser = _Scripts()
    parser.feed(html)
    external = [s for s in parser.scripts if s.get("src")]
    if not external:
        return 0
    off_origin = [s for s in external if s["src"].startswith(("http:", "https:", "//"))]
    if all(s.get("integrity") for s in external):
        return 5
    if off_origin:
        return -5
    return 0


def score_x_frame_options(headers) -> int:
    if _csp(headers.get("Content-Security-Policy")).get("frame-ancestors"):
        return 5
    value = (headers.get("X-Frame-Options") or "").upper()
    return 0 if value in ("DENY", "SAMEORIGIN") else -20


def observatory_score(redirect, page, cookies: list[str]) -> tuple[int, dict[str, int]]:
    headers = page.headers
    csp, strong_csp = score_csp(headers)
    hsts = score_hsts(headers.get("Strict-Transport-Security"))
    xss = headers.get("X-XSS-Protection")
    modifiers = {
        "content-security-policy": csp,
        "cookies": score_cookies(cookies, hsts >= 0),
        "strict-transport-security": hsts,
        "redirection": score_redirect(redirect),
        "referrer-policy": score_referrer(headers.get("Referrer-Policy")),
        "subresource-integrity": score_sri(page.get_data(as_text=True)),
        "x-content-type-options": 0 if headers.get("X-Content-Type-Options") == "nosniff" else -5,
        "x-frame-options": score_x_frame_options(headers),
        "x-xss-protection": 0 if strong_csp or (xss or "").startswith("1") else -10,
    }
    penalties = sum(value for value in modifiers.values() if value < 0)
    bonuses = sum(value for value in modifiers.values() if value > 0)
    base = 100 + penalties
    return (base + bonuses if base >= 90 else base), modifiers


@pytest.fixture
def production(make_app):
    return make_app(env="production", hsts_preload=True)


def test_production_headers_score_at_least_135_on_the_observatory_rules(production, world):
    client = production.test_client()
    redirect = client.get("/")
    help_page = client.get("/help", base_url=HTTPS).get_data(as_text=True)
    token = CSRF_PATTERN.search(help_page).group(1)
    signed_in = client.post(
        "/signin",
        data={"csrf_token": token, "email": world.participant.email, "password": PASSWORD},
        base_url=HTTPS,
    )
    cookies = signed_in.headers.getlist("Set-Cookie")
    page = client.get("/", base_url=HTTPS)
    assert page.status_code == 200
    score, modifiers = observatory_score(redirect, page, cookies)
    assert score >= 135, modifiers


def test_the_scorer_can_fail_a_weak_policy(production):
    class Page:
        headers = {"Content-Security-Policy": "default-src 'self'; script-src 'self'"}

        def get_data(self, as_text):
            return '<script src="/static/js/app.js"></script>'

    class Redirect:
        status_code = 302
        headers = {"Location": "https://localhost/"}

    score, modifiers = observatory_score(Redirect(), Page(), [])
    assert modifiers["content-security-policy"] == 5
    assert modifiers["strict-transport-security"] == -20
    assert score < 100
