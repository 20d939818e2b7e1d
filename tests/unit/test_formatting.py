"""Short date-times are written from one parsed pattern per locale; they must read exactly as
Babel's own format_datetime(value, "short") writes them, in every locale a bundle might add."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel import Locale, dates, localedata

from app.formatting import short_datetime_pattern

MOMENTS = (
    datetime(2026, 11, 27, 23, 5, tzinfo=UTC),
    datetime(2026, 2, 3, 9, 41, 7, tzinfo=UTC),
)


def test_every_locale_reads_as_babel_writes_it():
    differing = []
    for identifier in localedata.locale_identifiers():
        locale = Locale.parse(identifier)
        pattern = short_datetime_pattern(locale)
        for moment in MOMENTS:
            expected = dates.format_datetime(moment, "short", tzinfo=UTC, locale=locale)
            if pattern.apply(moment, locale) != expected:
                differing.append((identifier, expected, pattern.apply(moment, locale)))
    assert differing == []


@pytest.mark.parametrize("identifier", ["en", "fr_CA"])
def test_the_programmes_languages_get_their_own_glue(identifier):
    locale = Locale.parse(identifier)
    written = short_datetime_pattern(locale).apply(MOMENTS[0], locale)
    assert written == dates.format_datetime(MOMENTS[0], "short", tzinfo=UTC, locale=locale)
    assert "{" not in written
