"""Dates and times in each locale's own formats, one style per locale: English writes
"Wed, Dec 2"-style words with a 12-hour clock, Canadian French "2 déc." with "21 h 00"; never a
numeric short date such as 12/1/26, and never two clocks on one screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import g

from app.formatting import (
    format_date_long,
    format_datetime_long,
    format_datetime_short,
    format_time_short,
)

WINTER = datetime(2026, 11, 27, 20, 5, tzinfo=UTC)  # 15:05 in Toronto
SUMMER = datetime(2026, 7, 1, 0, 0)  # naive is UTC: 20:00 on 30 June in Toronto
LAST_YEAR = datetime(2025, 2, 3, 14, 41, tzinfo=UTC)  # 09:41 in Toronto
NBSP = "[\u00a0\u202f ]"

EXPECTED = {
    "en": {
        "short": rf"^Nov 27, 3:05{NBSP}PM$",
        "short-summer": rf"^Jun 30, 8:00{NBSP}PM$",
        "short-last-year": rf"^Feb 3, 2025, 9:41{NBSP}AM$",
        "long": rf"^Friday, November 27, 3:05{NBSP}PM$",
        "time": rf"^3:05{NBSP}PM$",
        "wall": rf"^6:30{NBSP}PM$",
        "date": r"^November 27, 2026$",
    },
    "fr-CA": {
        "short": rf"^27 nov\., 15{NBSP}h{NBSP}05$",
        "short-summer": rf"^30 juin,? 20{NBSP}h{NBSP}00$",
        "short-last-year": rf"^3 févr\. 2025,? 09{NBSP}h{NBSP}41$",
        "long": rf"^vendredi 27 novembre,? 15{NBSP}h{NBSP}05$",
        "time": rf"^15{NBSP}h{NBSP}05$",
        "wall": rf"^18{NBSP}h{NBSP}30$",
        "date": r"^27 novembre 2026$",
    },
}


def written(app, accept_language: str) -> dict[str, str]:
    with app.test_request_context(headers={"Accept-Language": accept_language}):
        g.timezone = "America/Toronto"
        return {
            "short": format_datetime_short(WINTER),
            "short-summer": format_datetime_short(SUMMER),
            "short-last-year": format_datetime_short(LAST_YEAR),
            "long": format_datetime_long(WINTER),
            "time": format_time_short(WINTER),
            "wall": format_time_short("18:30"),
            "date": format_date_long(WINTER),
        }


@pytest.fixture(autouse=True)
def this_year_is_2026(monkeypatch):
    monkeypatch.setattr("app.formatting.current_year", lambda zone: 2026)


@pytest.mark.parametrize("accept_language", ["en", "fr-CA"])
def test_each_locale_writes_its_own_dates_and_times(app, accept_language):
    got = written(app, accept_language)
    wrong = {
        kind: value
        for kind, value in got.items()
        if not re.match(EXPECTED[accept_language][kind], value)
    }
    assert wrong == {}, got


@pytest.mark.parametrize("accept_language", ["en", "fr-CA"])
def test_no_numeric_short_dates_and_one_clock_per_locale(app, accept_language):
    got = written(app, accept_language)
    assert not any(re.search(r"\d+/\d+", value) for value in got.values()), got
    timed = [value for kind, value in got.items() if kind != "date"]
    if accept_language == "en":
        assert all(re.search(r"[AP]M$", value) for value in timed), got
    else:
        assert all(re.search(rf"\d{NBSP}h{NBSP}\d\d$", value) for value in timed), got
        assert not any(re.search(r"[AP]M|\d:\d", value) for value in timed), got
