"""The journal form's choices and an entry's words, drawn from the cohort's bundle in the reader's
language."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.content import Library
from app.journal.services import feelings_of, sensations_of
from app.models import JournalEntry
from app.practices.services import ParticipantPlace


def week_choices(library: Library, place: ParticipantPlace, locale: str) -> list[tuple[int, str]]:
    last = max(1, min(place.position.week, place.cohort.weeks))
    choices = [(0, _("No particular week"))]
    for number in range(1, last + 1):
        week = library.get("week", f"{number:02d}", locale, place.cohort.bundle_id)
        theme = week.item.data.theme if week else ""
        choices.append((number, _("Week %(num)d: %(theme)s", num=number, theme=theme)))
    return choices


def prompts(library: Library, place: ParticipantPlace, locale: str) -> dict[str, str]:
    """Every prompt of the weeks open so far, by id."""
    found: dict[str, str] = {}
    last = max(1, min(place.position.week, place.cohort.weeks))
    for number in range(1, last + 1):
        week = library.get("week", f"{number:02d}", locale, place.cohort.bundle_id)
        if week:
            for prompt in week.item.data.prompts:
                found[prompt.id] = prompt.text
    for moment in ("preparation", "integration"):
        block = library.get("session", moment, locale, place.cohort.bundle_id)
        if block:
            for prompt in block.item.data.prompts:
                found.setdefault(prompt.id, prompt.text)
    return found


def vocabulary(library: Library, name: str, locale: str, bundle_id: str) -> list[tuple[str, str]]:
    resolved = library.get("vocabulary", name, locale, bundle_id)
    if resolved is None:
        return []
    words = resolved.item.data.text[resolved.item.locale]
    return [(word, words[word]) for word in resolved.item.data.ids]


def configure(form, library: Library, place: ParticipantPlace, locale: str):
    bundle_id = place.cohort.bundle_id
    form.week.choices = week_choices(library, place, locale)
    form.prompt_id.choices = [("", _("No prompt"))] + list(prompts(library, place, locale).items())
    form.feelings.choices = vocabulary(library, "feelings", locale, bundle_id)
    form.sensations.choices = vocabulary(library, "sensations", locale, bundle_id)
    return form


@dataclass(frozen=True)
class EntryWords:
    """An entry's answers and prompt as the cohort's bundle words them in the reader's
    language; an id stands for itself where the bundle has no label for it (any more)."""

    feelings: dict[str, str] = field(default_factory=dict)
    sensations: dict[str, str] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)

    def of_feelings(self, entry: JournalEntry) -> list[str]:
        return [self.feelings.get(word, word) for word in feelings_of(entry)]

    def of_sensations(self, entry: JournalEntry) -> list[str]:
        return [self.sensations.get(word, word) for word in sensations_of(entry)]

    def prompt_of(self, entry: JournalEntry) -> str | None:
        return self.prompts.get(entry.prompt_id) if entry.prompt_id else None


def entry_words(library: Library, place: ParticipantPlace, locale: str) -> EntryWords:
    """Looked up once, for as many entries as a page or an export holds."""
    bundle_id = place.cohort.bundle_id
    return EntryWords(
        dict(vocabulary(library, "feelings", locale, bundle_id)),
        dict(vocabulary(library, "sensations", locale, bundle_id)),
        prompts(library, place, locale),
    )
