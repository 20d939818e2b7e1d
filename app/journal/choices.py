"""The journal form's choices, drawn from the cohort's bundle in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _

from app.content import Library
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
