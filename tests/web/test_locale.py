"""Which language a page speaks: explicit choice → saved preference → Accept-Language → default."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import g
from flask_babel import format_date, format_datetime, get_locale

from app.formatting import format_date_long, format_datetime_short
from app.models import User
from tests.conftest import post, sign_in


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]*)"', response.get_data(as_text=True)).group(1)


def saved_locale(db, user) -> str | None:
    db.expire_all()
    return db.get(User, user.id).preferred_locale


def test_the_default_language_is_english_with_html_lang_and_dir(client):
    assert html_tag(client.get("/signin")) == '<html lang="en" dir="ltr">'


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [
        ("fr-CA", "fr-CA"),
        ("fr", "fr-CA"),
        ("fr-FR,fr;q=0.9", "fr-CA"),
        ("en-GB", "en"),
        ("de-DE,de;q=0.9", "en"),
        ("de;q=0.9,fr;q=0.5", "fr-CA"),
        ("xx-unknown", "en"),
    ],
)
def test_accept_language_picks_the_closest_supported_locale(client, accept_language, lang):
    response = client.get("/signin", headers={"Accept-Language": accept_language})
    assert lang_of(response) == lang


def test_a_french_page_is_written_in_french(client):
    page = client.get("/signin", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True)
    assert '<html lang="fr-CA" dir="ltr">' in page
    assert "Sign in" not in re.search(r"<h1>(.*?)</h1>", page).group(1)


def test_the_switcher_returns_to_the_page_and_the_choice_sticks(client):
    response = post(client, "/language", {"locale": "fr_CA", "next": "/help"})
    assert response.status_code == 303
    assert response.location == "/help"
    assert lang_of(client.get("/help")) == "fr-CA"
    assert lang_of(client.get("/signin")) == "fr-CA"


def test_an_explicit_choice_beats_accept_language(client):
    post(client, "/language", {"locale": "en"})
    assert lang_of(client.get("/help", headers={"Accept-Language": "fr-CA"})) == "en"


def test_an_unknown_locale_falls_back_to_the_default(client):
    post(client, "/language", {"locale": "fr_CA"})
    response = post(client, "/language", {"locale": "klingon", "next": "/help"})
    assert response.status_code == 303
    assert lang_of(client.get("/help")) == "en"


def test_a_signed_in_choice_is_saved_for_the_person(client, db, world):
    sign_in(client, world.participant)
    post(client, "/language", {"locale": "fr_CA"})
    assert saved_locale(db, world.participant) == "fr_CA"


def test_the_saved_preference_follows_the_person_to_a_new_browser(app, db, world):
    world.participant.preferred_locale = "fr_CA"
    db.add(world.participant)
    db.commit()
    browser = app.test_client()
    sign_in(browser, world.participant)
    assert lang_of(browser.get("/", headers={"Accept-Language": "en"})) == "fr-CA"


def test_a_choice_made_before_signing_in_beats_the_saved_preference(client, db, world):
    world.participant.preferred_locale = "fr_CA"
    db.add(world.participant)
    db.commit()
    post(client, "/language", {"locale": "en"})
    sign_in(client, world.participant)
    assert lang_of(client.get("/")) == "en"


def test_an_unusable_saved_preference_falls_through_to_accept_language(client, db, world):
    world.participant.preferred_locale = "zz"
    db.add(world.participant)
    db.commit()
    sign_in(client, world.participant)
    assert lang_of(client.get("/", headers={"Accept-Language": "fr"})) == "fr-CA"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_the_switcher_never_redirects_to_another_site(client, next_url):
    response = post(client, "/language", {"locale": "fr_CA", "next": next_url})
    assert response.status_code == 303
    # Resolve it as a browser would, which reads a backslash as a slash and drops tabs.
    location = response.location.replace("\\", "/").replace("\t", "")
    resolved = urlsplit(urljoin("http://localhost/here", location))
    assert (resolved.scheme, resolved.netloc) == ("http", "localhost")


def test_the_switcher_keeps_a_local_path_and_its_query(client):
    response = post(client, "/language", {"locale": "fr_CA", "next": "/help?from=menu"})
    assert response.location == "/help?from=menu"


@pytest.mark.parametrize("accept_language", ["en", "fr-CA"])
@pytest.mark.parametrize("zone", ["America/Vancouver", "Europe/Paris"])
def test_short_date_times_are_on_the_cohorts_clock_in_the_locales_words(app, accept_language, zone):
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        g.timezone = zone
        for value in (datetime(2026, 11, 27, 23, 5, tzinfo=UTC), datetime(2026, 7, 1, 3, 0)):
            local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(
                ZoneInfo(zone)
            )
            day = format_datetime(local, "d")
            written = format_datetime_short(value)
            assert re.search(rf"\b{day}\b", written), (written, local)
            assert "/" not in written


@pytest.mark.parametrize("accept_language", ["en", "fr-CA"])
@pytest.mark.parametrize("zone", ["America/Vancouver", "Asia/Tokyo"])
def test_long_dates_read_as_flask_babel_would_write_them(app, accept_language, zone):
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        g.timezone = zone
        long_date = get_locale().date_formats["long"].pattern
        # 23:05 UTC is already the next day in Tokyo and still the same day in Vancouver.
        for value in (datetime(2026, 11, 27, 23, 5, tzinfo=UTC), datetime(2026, 7, 1, 3, 0)):
            assert format_date_long(value) == format_datetime(value, long_date)
        assert format_date_long(date(2026, 2, 3)) == format_date(date(2026, 2, 3), "long")
