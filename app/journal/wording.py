"""Sentences the journal list repeats for every entry, translated once per language."""

from __future__ import annotations

from functools import cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.models import JournalEntry, Sharing

# Who may read an entry, in plain words, as the entry and the list say it.
SHARING_STATEMENTS = {
    "draft": _l("Unfinished: only you can read this."),
    Sharing.private: _l("Only you can read this."),
    Sharing.facilitators: _l("You and your small group's facilitators can read this."),
    Sharing.group: _l("Your small group and its facilitators can read this."),
    "group_anonymous": _l(
        "Your small group and its facilitators can read this. The group sees it without your name."
    ),
}


def sharing_statement(entry: JournalEntry) -> str:
    if entry.draft:
        kind = "draft"
    elif entry.sharing == Sharing.group and entry.anonymous_to_peers:
        kind = "group_anonymous"
    else:
        kind = entry.sharing
    return _statements(str(get_locale()))[kind]


@cache
def _statements(locale: str) -> dict[str, str]:
    # Keyed by the request's language, which is the one str() translates into here; catalogs
    # are loaded once per process, so a language's sentences never change while it runs.
    return {kind: str(text) for kind, text in SHARING_STATEMENTS.items()}
