"""Export a journal: Markdown files in a zip (with a JSON copy), or JSON alone.

The Markdown is for reading and printing: labels in the reader's language, feeling words,
body sensations and the prompt as the cohort's bundle words them, dates on the cohort's
clock with the zone named. Files are named by that day, as the app shows it, and the id.

The JSON is for scripts, so what it held stays as it was; every entry has
- id, week, title, body, prompt_id, intensity (0 to 10, or null), sharing: as stored;
- created_at, updated_at: ISO 8601 instants in UTC, with their offset ("+00:00");
- feelings, sensations: vocabulary ids, the same in every language;
- feelings_labels, sensations_labels: those words in the reader's language (an id stands
  for itself where the bundle no longer has a label); prompt_text: the prompt's words, or
  null when the entry answered none;
- time_zone: the cohort's IANA zone; created_at_local: created_at on that clock.

Drafts are left out (services.all_entries): the export holds what the person saved.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

from babel import dates
from flask import Response
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from app import content, db
from app.formatting import format_date_long
from app.journal.choices import EntryWords, entry_words
from app.journal.services import feelings_of, intensity_of, sensations_of
from app.models import JournalEntry
from app.practices.services import place_of


def _words() -> EntryWords:
    place = place_of(db.session(), current_user)
    if place is None:
        return EntryWords()  # no cohort, so no bundle: the ids stand for themselves
    return entry_words(content.library(), place, str(get_locale()))


def _aware(value: datetime) -> datetime:
    # SQLite hands stored instants back naive; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _on_cohort_clock(value: datetime) -> datetime:
    return _aware(value).astimezone(get_timezone())


def _zone_name() -> str:
    zone = get_timezone()
    return getattr(zone, "key", str(zone))


def _written(value: datetime) -> str:
    """The day, with its year, and time, naming the zone: a printed page has nothing else to
    say which clock is meant. The locale's own glue joins its long date and short time."""
    locale, local = get_locale(), _on_cohort_clock(value)
    glue = dates.get_datetime_format("long", locale=locale).replace("'", "")
    day = dates.format_date(local, "long", locale=locale)
    time = dates.format_time(local, "short", locale=locale)
    return f"{glue.replace('{0}', time).replace('{1}', day)} ({_zone_name()})"


def _as_dict(entry: JournalEntry, words: EntryWords) -> dict:
    return {
        "id": entry.id,
        "created_at": _aware(entry.created_at).astimezone(UTC).isoformat(),
        "updated_at": _aware(entry.updated_at).astimezone(UTC).isoformat(),
        "week": entry.week,
        "title": entry.title,
        "body": entry.body,
        "prompt_id": entry.prompt_id,
        "feelings": feelings_of(entry),
        "sensations": sensations_of(entry),
        "intensity": intensity_of(entry),
        "sharing": entry.sharing,
        "feelings_labels": words.of_feelings(entry),
        "sensations_labels": words.of_sensations(entry),
        "prompt_text": words.prompt_of(entry),
        "time_zone": _zone_name(),
        "created_at_local": _on_cohort_clock(entry.created_at).isoformat(),
    }


def _markdown(entry: JournalEntry, words: EntryWords) -> str:
    title = entry.title or _("Entry of %(date)s", date=format_date_long(entry.created_at))
    lines = [f"# {title}", ""]
    lines.append("- " + _("Written on %(when)s", when=_written(entry.created_at)))
    if entry.week:
        lines.append("- " + _("Week %(num)d", num=entry.week))
    if entry.feelings:
        lines.append(f"- {_('Feelings:')} {', '.join(words.of_feelings(entry))}")
    if entry.sensations:
        lines.append(f"- {_('In the body:')} {', '.join(words.of_sensations(entry))}")
    if entry.intensity is not None:
        lines.append(f"- {_('Intensity:')} {intensity_of(entry)}/10")
    prompt = words.prompt_of(entry)
    if prompt:
        lines += ["", *(f"> {line}" for line in prompt.splitlines())]
    lines += ["", entry.body, ""]
    return "\n".join(lines)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _json(entries: list[JournalEntry], words: EntryWords) -> str:
    return json.dumps([_as_dict(e, words) for e in entries], ensure_ascii=False, indent=2)


def export_json(entries: list[JournalEntry]) -> Response:
    payload = _json(entries, _words())
    return _download(payload.encode("utf-8"), "application/json", "tend-journal.json")


def export_zip(entries: list[JournalEntry]) -> Response:
    words = _words()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            # The day the app shows the entry on; the id keeps names unique and ASCII.
            name = f"{_on_cohort_clock(entry.created_at).date().isoformat()}-{entry.id}.md"
            archive.writestr(name, _markdown(entry, words))
        archive.writestr("journal.json", _json(entries, words))
    return _download(buffer.getvalue(), "application/zip", "tend-journal.zip")
