"""Template helpers that turn stored values into words in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, dates
from flask import Flask
from flask_babel import format_datetime, format_timedelta, get_locale, get_timezone
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


def format_datetime_long(value: datetime) -> str:
    """A day and time in the request's time zone (the cohort's, set by the view)."""
    return format_datetime(value, "EEEE d MMMM, HH:mm")


def format_datetime_short(value: datetime, zone: str | None = None) -> str:
    """A date and time, short, in the request's time zone, as Flask-Babel's
    format_datetime(value, "short") writes it. A page such as the reading room shows twenty,
    so the locale's pattern is parsed once and applied directly. Naive means UTC. A page that
    lists several cohorts names each row's own zone."""
    locale = get_locale()
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    where = ZoneInfo(zone) if zone else get_timezone()
    return short_datetime_pattern(locale).apply(aware.astimezone(where), locale)


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
def short_datetime_pattern(locale: Locale) -> dates.DateTimePattern:
    """Babel's own recipe for "short", as one pattern: the locale's glue (such as "{1}, {0}",
    taken literally once its quotes are dropped) around its parsed short time ({0}) and short
    date ({1})."""
    glue = dates.get_datetime_format("short", locale=locale).replace("'", "")
    parts = {
        "{0}": dates.get_time_format("short", locale=locale),
        "{1}": dates.get_date_format("short", locale=locale),
    }
    pieces = re.split(r"(\{[01]\})", glue)
    return dates.DateTimePattern(
        "".join(parts[p].pattern if p in parts else p for p in pieces),
        "".join(parts[p].format if p in parts else p.replace("%", "%%") for p in pieces),
    )


def format_time_short(value: datetime) -> str:
    return format_datetime(value, "HH:mm")


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
