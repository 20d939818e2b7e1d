"""What the layout needs on every page: navigation for the role, the language choices; and
links to one of many items (entries) built without a url_for each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.i18n import LANGUAGE_NAMES
from app.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    current: bool
    accent: str = ""


STAFF = {Role.facilitator, Role.medical, Role.admin}

# (endpoint, label, icon from app.icons, roles). Settle sits in the middle of a participant's
# bar, always one tap away; staff see no participant tools.
NAV = [
    ("home.index", _l("Home"), "house", None),
    ("practices.this_week", _l("This week"), "sprout", {Role.participant}),
    ("exercises.library", _l("Settle"), "wind", {Role.participant}),
    ("journal.entries", _l("Journal"), "notebook-pen", {Role.participant}),
    ("admin.new_cohort", _l("New cohort"), "plus", {Role.admin}),
    ("admin.people", _l("People"), "users", {Role.admin}),
    ("questionnaires.index", _l("Check-ins"), "clipboard-list", {Role.participant}),
    ("core.help_page", _l("Help"), "life-buoy", STAFF),
    ("auth.account", _l("Account"), "user-round", None),
]
ACCENTS = {"exercises.library": "settle"}


def _is_current(endpoint: str) -> bool:
    if endpoint in (
        "practices.this_week",
        "journal.entries",
        "questionnaires.index",
        "exercises.library",
    ):
        return request.blueprint == endpoint.split(".")[0]
    return request.endpoint == endpoint


def _nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [
        NavItem(
            str(label), url_for(endpoint), icon, _is_current(endpoint), ACCENTS.get(endpoint, "")
        )
        for endpoint, label, icon, roles in NAV
        if roles is None or current_user.role in roles
    ]


# An id no real row has, to find where the id goes in a URL.
_ANY_ID = 2**31 - 1


def url_for_each(endpoint: str, id_argument: str, **values) -> Callable[[int], str]:
    """The URL of an endpoint for any item, from one url_for: a page of twenty entries with
    two forms each would otherwise build forty, about 0.3 ms."""
    before, after = url_for(endpoint, **{id_argument: _ANY_ID}, **values).rsplit(str(_ANY_ID), 1)
    return lambda item_id: f"{before}{int(item_id)}{after}"


def _layout_context() -> dict:
    locales = current_app.config["TEND"].locales
    return {
        "nav_items": _nav_items(),
        # A signed-in member of the program team: their shell has no participant tools.
        "staff_view": current_user.is_authenticated and current_user.role in STAFF,
        "current_locale": str(get_locale()),
        "language_choices": [(code, LANGUAGE_NAMES.get(code, code)) for code in locales],
    }


def init_app(app: Flask) -> None:
    from app import icons

    icons.init_app(app)
    app.context_processor(_layout_context)
