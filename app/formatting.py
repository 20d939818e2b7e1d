"""Template helpers that turn stored values into words in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, dates
from flask import Flask
from flask_babel import format_timedelta, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.models import Role

ROLE_LABELS = {
    Role.participant: _l("Participant"),
    Role.facilitator: _l("Facilitator"),
    Role.medical: _l("Medical team"),
    Role.admin: _l("Administrator"),
}

INVITE_STATES = {
    "open": _l("Open until %(date)s"),
    "used": _l("Used"),
    "revoked": _l("Withdrawn"),
    "expired": _l("Expired"),
}


def format_date_long(value: date | datetime) -> str:
    """A calendar day of the cohort. A datetime is first moved into the request's time zone
    (the cohort's, set by the view); naive means UTC, as Flask-Babel assumes. Babel directly,
    like format_datetime_short: the journal list names a day for most entries it shows."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = aware.astimezone(get_timezone())
    return dates.format_date(value, "long", locale=get_locale())


# One style per locale, each the locale's own: its words for months and days, its order, and
# its clock (12-hour with AM/PM in English, "21 h 00" in Canadian French) everywhere a time is
# shown, never a numeric short date such as 12/1/26 that reads differently across countries.
DATE_SKELETONS = {
    "short": "MMMd",  # Dec 2 / 2 déc.
    "short-year": "yMMMd",  # Dec 2, 2025 / 2 déc. 2025
    "long": "MMMMEd",  # Wednesday, December 2 / mercredi 2 décembre
}


def _aware_local(value: datetime, zone: str | None = None) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone) if zone else get_timezone())


def format_datetime_long(value: datetime) -> str:
    """A weekday, day and time in the request's time zone (the cohort's, set by the view)."""
    locale = get_locale()
    return datetime_pattern(locale, "long").apply(_aware_local(value), locale)


def format_datetime_short(value: datetime, zone: str | None = None) -> str:
    """A day and time, short, in the request's time zone; the year only when it is not this
    year's. A page such as the reading room shows twenty, so each locale's pattern is built
    once and applied directly. Naive means UTC. A page that lists several cohorts names each
    row's own zone."""
    locale = get_locale()
    local = _aware_local(value, zone)
    kind = "short" if local.year == current_year(local.tzinfo) else "short-year"
    return datetime_pattern(locale, kind).apply(local, locale)


def current_year(zone) -> int:
    return datetime.now(zone).year


def time_ago(value: datetime, now: datetime | None = None) -> str:
    """How long ago, in words ("25 minutes ago"): a flag's age matters more than its clock."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    elapsed = (now or datetime.now(UTC)) - aware
    return format_timedelta(-max(elapsed, timedelta(0)), threshold=1.5, add_direction=True)


def zone_name(zone: str) -> str:
    """A time zone in the reader's words ("Pacific Time"), so a time says where it is."""
    return dates.get_timezone_name(
        ZoneInfo(zone), "long", locale=get_locale(), zone_variant="generic"
    )


@cache
def datetime_pattern(locale: Locale, kind: str) -> dates.DateTimePattern:
    """The locale's own glue (such as "{1}, {0}") around its best date for the skeleton and
    its short time, parsed once. A weekday in the long form is written in full."""
    skeletons = locale.datetime_skeletons
    date_pattern = skeletons[dates.match_skeleton(DATE_SKELETONS[kind], skeletons)].pattern
    if kind == "long":
        date_pattern = re.sub(r"(?<!E)E{1,3}(?!E)", "EEEE", date_pattern)
    time_pattern = dates.get_time_format("short", locale=locale).pattern
    glue = str(dates.get_datetime_format("medium", locale=locale))
    return dates.parse_pattern(glue.replace("{1}", date_pattern).replace("{0}", time_pattern))


def format_time_short(value: datetime | time | str) -> str:
    """A time of day in the locale's clock. A datetime is moved into the request's time zone;
    a wall-clock time (a meeting's "18:30") is shown as it is."""
    locale = get_locale()
    if isinstance(value, str):
        value = time.fromisoformat(value)
    if isinstance(value, datetime):
        value = _aware_local(value)
    return dates.get_time_format("short", locale=locale).apply(value, locale)


_TAG = re.compile(r"<[^>]+>")


def reading_minutes(html: str) -> int:
    """About how long a teaching takes to read, at an unhurried 200 words a minute."""
    words = len(_TAG.sub(" ", str(html)).split())
    return max(1, round(words / 200))


def weekday_name(day: int) -> str:
    """Monday is 0, in the reader's language."""
    return get_locale().days["format"]["wide"][day]


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def invite_state_label(state: str, invite) -> str:
    if state == "open":
        return str(INVITE_STATES["open"]) % {"date": format_date_long(invite.expires_at)}
    return str(INVITE_STATES[state])


def content_is_draft_translation(resolved) -> bool:
    """A translation (not the bundle's own language) whose review is still a draft."""
    from app.content import library

    item = resolved.item
    bundle = library().bundle(item.bundle_id)
    return item.locale != bundle.meta.default_locale and bundle.meta.review[item.locale] == "draft"


def bdi(text) -> Markup:
    """A name from a person, isolated for bidirectional text: an Arabic or Hebrew name keeps
    its own direction without reordering the words and punctuation around it."""
    if text is None or text == "":
        return Markup("")
    return Markup("<bdi>%s</bdi>") % text


def init_app(app: Flask) -> None:
    app.add_template_filter(bdi)
    app.add_template_global(content_is_draft_translation)
    app.add_template_filter(format_date_long)
    app.add_template_filter(format_datetime_long)
    app.add_template_filter(format_datetime_short)
    app.add_template_filter(format_time_short)
    app.add_template_filter(time_ago)
    app.add_template_filter(zone_name)
    app.add_template_global(role_label)
    app.add_template_global(weekday_name)
    app.add_template_global(reading_minutes)
    app.add_template_global(invite_state_label)
