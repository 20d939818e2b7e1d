"""Signing in to a running Tend as a browser would, to get a real session cookie."""

from __future__ import annotations

from html.parser import HTMLParser

import requests

from bench.weight import ACCEPT_ENCODING

EMAIL = "participant@example.org"
# One User-Agent for sign-in, page weight and wrk: Flask-Login's session protection hashes it
# with the address, and a mismatch would mark the session non-fresh on every request.
USER_AGENT = "tend-bench/1 (like a browser, not one)"
TIMEOUT = 30


class SignInFailed(RuntimeError):
    """The sign-in did not end on the signed-in home page."""


class _HiddenField(HTMLParser):
    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.value: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == self.name and self.value is None:
            self.value = attributes.get("value")


def hidden_field(html: str, name: str) -> str | None:
    parser = _HiddenField(name)
    parser.feed(html)
    return parser.value


def sign_in(base_url: str, password: str, email: str = EMAIL) -> requests.Session:
    """A requests session signed in through the real form, CSRF token and all."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(base_url + "/signin", timeout=TIMEOUT)
    page.raise_for_status()
    token = hidden_field(page.text, "csrf_token")
    if not token:
        raise SignInFailed("No csrf_token field on /signin.")
    response = session.post(
        base_url + "/signin",
        data={"csrf_token": token, "email": email, "password": password},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if response.status_code != 303:
        raise SignInFailed(f"POST /signin answered {response.status_code}, expected 303.")
    home = session.get(base_url + "/", allow_redirects=False, timeout=TIMEOUT)
    if home.status_code != 200 or "data-signed-in" not in home.text:
        raise SignInFailed(f"GET / answered {home.status_code} without a signed-in page.")
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)


def browser_headers(cookie: str) -> dict[str, str]:
    """What a browser sends that matters to the server, for wrk: the session, the same
    User-Agent as at sign-in, and Accept-Encoding (so a compressing app pays for compression)."""
    return {
        "Cookie": cookie,
        "User-Agent": USER_AGENT,
        "Accept": "text/html",
        "Accept-Encoding": ACCEPT_ENCODING,
    }


def outbox_csrf_token(session: requests.Session, base_url: str) -> str:
    """The CSRF token the offline outbox sends as X-CSRFToken, from `GET /outbox/session`."""
    response = session.get(base_url + "/outbox/session", timeout=TIMEOUT)
    response.raise_for_status()
    answer = response.json()
    if not answer.get("signed_in") or not answer.get("csrf_token"):
        raise SignInFailed(f"GET /outbox/session answered {answer!r} without a CSRF token.")
    return answer["csrf_token"]
