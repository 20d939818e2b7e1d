"""Which language a request speaks, decided in one place, in a stated order.

1. an explicit choice made with the language switcher (kept in the session),
2. the signed-in person's saved preference,
3. the browser's Accept-Language,
4. DEFAULT_LOCALE.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app, g, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "fr_CA": "Français"}


def supported() -> tuple[str, ...]:
    return current_app.config["TEND"].locales


def normalise(tag: str | None) -> str | None:
    """Map 'fr-ca', 'fr_CA' or 'fr' to a supported locale; None if it is not one."""
    if not tag:
        return None
    wanted = tag.replace("-", "_").lower()
    by_lower = {code.lower(): code for code in supported()}
    if wanted in by_lower:
        return by_lower[wanted]
    primary = wanted.split("_")[0]
    return next((code for code in supported() if code.lower().split("_")[0] == primary), None)


def select_locale() -> str:
    chosen = normalise(session.get("locale"))
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        preferred = normalise(current_user.preferred_locale)
        if preferred:
            return preferred
    offered = [code.replace("_", "-") for code in supported()]
    matched = request.accept_languages.best_match(offered)
    return normalise(matched) or current_app.config["TEND"].default_locale


def select_timezone() -> ZoneInfo:
    # A zoneinfo zone, as the cohort-clock arithmetic uses: given a name, Flask-Babel would
    # build a pytz zone from pytz's own copy of the tz database, and where the two copies
    # disagree a session would be shown an hour away from the time the team entered.
    return ZoneInfo(g.get("timezone", "UTC"))


def set_page_language(locale: str) -> None:
    """Fill g.lang_tag and g.text_dir, which drive <html lang dir>."""
    parsed = Locale.parse(locale)
    g.lang_tag = locale.replace("_", "-")
    g.text_dir = parsed.text_direction
