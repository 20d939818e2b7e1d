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


def this_weeks_prompts(library: Library, place: ParticipantPlace, locale: str) -> list[str]:
    """The ids of the prompts of the week the person is in (the last one, after the program),
    the ones "change prompt" offers."""
    number = max(1, min(place.position.week, place.cohort.weeks))
    week = library.get("week", f"{number:02d}", locale, place.cohort.bundle_id)
    return [prompt.id for prompt in week.item.data.prompts] if week else []


@dataclass(frozen=True)
class WordGroup:
    label: str | None
    words: list[tuple[str, str]]


def vocabulary_groups(library: Library, name: str, locale: str, bundle_id: str) -> list[WordGroup]:
    """The words in the bundle's groups, labelled in the reader's language; one unlabelled
    group when the bundle does not group them."""
    resolved = library.get("vocabulary", name, locale, bundle_id)
    if resolved is None:
        return []
    data, shown = resolved.item.data, resolved.item.locale
    words = data.text[shown]
    if not data.groups:
        return [WordGroup(None, [(word, words[word]) for word in data.ids])]
    return [
        WordGroup(group.label[shown], [(word, words[word]) for word in group.ids])
        for group in data.groups
    ]


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
    # How the composer draws them: words as chips in groups, this week's prompts to change to.
    form.feeling_groups = vocabulary_groups(library, "feelings", locale, bundle_id)
    form.sensation_groups = vocabulary_groups(library, "sensations", locale, bundle_id)
    form.this_weeks_prompts = this_weeks_prompts(library, place, locale)
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
