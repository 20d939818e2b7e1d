"""The journal export in the reader's language and on the cohort's clock: the Markdown files'
labels, vocabulary, prompt and dates, their names, and the JSON's stable ids and timestamps
with the human fields beside them.

The world's cohort keeps time in America/Vancouver, so an entry written at 03:12 UTC on
14 July 2026 was written on the 13th at 20:12 there: the day the app shows it on. (Summer,
so the offset is -07:00 whether or not the tz database has British Columbia keep daylight
time all year.)"""

from __future__ import annotations

import io
import json
import logging
import uuid
import zipfile
from datetime import UTC, datetime

import pytest

from app.journal import services
from app.models import Role
from tests.conftest import post, sign_in

WRITTEN = datetime(2026, 7, 14, 3, 12, tzinfo=UTC)
PROMPT = "w01-what-brought-me"
BODY = "Slept badly.\n\n*Still* here, with [brackets] & <angles>."
OLD_KEYS = {
    "id",
    "created_at",
    "updated_at",
    "week",
    "title",
    "body",
    "prompt_id",
    "feelings",
    "sensations",
    "intensity",
    "sharing",
}


def saved(db, user, *, draft: bool = False, **fields):
    entry = services.save(
        db,
        user,
        client_uuid=str(uuid.uuid4()),
        fields=services.EntryFields(**fields),
        base_version=None,
        draft=draft,
    )
    entry.created_at = entry.updated_at = WRITTEN
    db.add(entry)
    db.commit()
    return entry


@pytest.fixture
def entries(client, db, world):
    """An entry answering a prompt with every answer filled in, a bare one, and a draft."""
    sign_in(client, world.participant)
    full = saved(
        db,
        world.participant,
        title="Mon titre: *à moi*",
        body=BODY,
        week=3,
        prompt_id=PROMPT,
        feelings=["anxious", "relieved", "retired-word"],
        sensations=["tight"],
        intensity=6,
    )
    bare = saved(db, world.participant, body="Just a line.")
    saved(db, world.participant, body="still a draft", draft=True)
    return {"full": full, "bare": bare}


def in_language(client, locale: str) -> None:
    post(client, "/language", {"locale": locale})


def archive_of(client) -> zipfile.ZipFile:
    response = client.get("/journal/export.zip")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.data))


def markdown(client, entry) -> str:
    archive = archive_of(client)
    [name] = [n for n in archive.namelist() if n.endswith(f"-{entry.id}.md")]
    return archive.read(name).decode("utf-8")


# --- File names. ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_files_are_named_by_the_day_on_the_cohorts_clock(client, entries, locale):
    in_language(client, locale)
    names = archive_of(client).namelist()
    expected = {f"2026-07-13-{entries[k].id}.md" for k in ("full", "bare")} | {"journal.json"}
    assert set(names) == expected
    assert all(name.isascii() for name in names)


# --- The Markdown, in English and in French. -----------------------------------------------


def test_the_markdown_in_english(client, entries):
    in_language(client, "en")
    text = markdown(client, entries["full"])
    assert text.startswith("# Mon titre: *à moi*\n")
    assert "Written on July 13, 2026, 8:12\u202fPM (America/Vancouver)" in text
    assert "- Week 3\n" in text
    assert "> What brought me here, in my own words?" in text
    assert "- Feelings: anxious, relieved, retired-word\n" in text
    assert "- In the body: tightness\n" in text
    assert "- Intensity: 6/10\n" in text
    assert BODY in text
    assert "2026-07-14" not in text and "03:12" not in text


def test_the_markdown_in_french_uses_the_bundles_words_and_the_catalogs_labels(client, entries):
    in_language(client, "fr_CA")
    text = markdown(client, entries["full"])
    assert text.startswith("# Mon titre: *à moi*\n")
    assert "13 juillet 2026, 20 h 12 (America/Vancouver)" in text
    assert "- Semaine 3\n" in text
    assert "> Qu'est-ce qui m'amène ici, dans mes propres mots?" in text
    assert "- Émotions\u202f: anxiété, soulagement, retired-word\n" in text
    assert "- Dans le corps\u202f: tension\n" in text
    assert "- Intensité\u202f: 6/10\n" in text
    assert BODY in text
    # "Written on" is checked on its own below.
    for english in ("week", "feelings", "anxious", "relieved", "intensity", "body:"):
        assert english not in text.casefold().replace(BODY.casefold(), ""), english


def test_the_written_on_label_is_translated(client, entries):
    """A string new with the localised export, on its own."""
    in_language(client, "fr_CA")
    assert "- Écrit le 13 juillet 2026, 20 h 12 (America/Vancouver)\n" in markdown(
        client, entries["full"]
    )


@pytest.mark.parametrize(
    ("locale", "heading"),
    [("en", "# Entry of July 13, 2026\n"), ("fr_CA", "# Entrée du 13 juillet 2026\n")],
)
def test_an_entry_without_a_title_is_headed_by_its_day(client, entries, locale, heading):
    in_language(client, locale)
    text = markdown(client, entries["bare"])
    assert text.startswith(heading)
    assert "Just a line." in text
    assert ">" not in text.split("Just a line.")[0]  # no prompt quoted
    assert "Week" not in text and "Semaine" not in text


# --- The JSON. -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_json_keeps_its_keys_and_ids_and_names_its_instants(client, entries, locale):
    in_language(client, locale)
    listed = json.loads(client.get("/journal/export.json").data)
    assert [e["id"] for e in listed] == [entries["full"].id, entries["bare"].id]
    full = listed[0]
    assert set(full) >= OLD_KEYS
    assert full["created_at"] == "2026-07-14T03:12:00+00:00"
    assert full["updated_at"] == "2026-07-14T03:12:00+00:00"
    assert full["feelings"] == ["anxious", "relieved", "retired-word"]
    assert full["sensations"] == ["tight"]
    assert (full["prompt_id"], full["week"], full["intensity"]) == (PROMPT, 3, 6)
    assert (full["title"], full["body"]) == ("Mon titre: *à moi*", BODY)
    assert full["time_zone"] == "America/Vancouver"
    assert full["created_at_local"] == "2026-07-13T20:12:00-07:00"
    assert listed[1]["prompt_text"] is None
    assert listed[1]["feelings_labels"] == [] and listed[1]["sensations_labels"] == []


def test_the_json_adds_the_words_in_the_readers_language(client, entries):
    in_language(client, "fr_CA")
    [full, _] = json.loads(client.get("/journal/export.json").data)
    assert full["feelings_labels"] == ["anxiété", "soulagement", "retired-word"]
    assert full["sensations_labels"] == ["tension"]
    assert full["prompt_text"] == "Qu'est-ce qui m'amène ici, dans mes propres mots?"
    in_language(client, "en")
    [full, _] = json.loads(client.get("/journal/export.json").data)
    assert full["feelings_labels"] == ["anxious", "relieved", "retired-word"]
    assert full["prompt_text"] == "What brought me here, in my own words?"


def test_the_zips_json_is_the_json_export(client, entries):
    in_language(client, "fr_CA")
    alone = json.loads(client.get("/journal/export.json").data)
    assert json.loads(archive_of(client).read("journal.json")) == alone


# --- What stays as it was. -----------------------------------------------------------------


def test_drafts_stay_out_and_the_downloads_are_not_cached(client, entries, caplog):
    caplog.set_level(logging.DEBUG)
    in_language(client, "fr_CA")
    for url, name in (("/journal/export.zip", "zip"), ("/journal/export.json", "json")):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="tend-journal.{name}"'
        )
    archive = archive_of(client)
    assert not any(b"still a draft" in archive.read(n) for n in archive.namelist())
    assert "still a draft" not in client.get("/journal/export.json").get_data(as_text=True)
    logged = caplog.text
    assert "Slept badly" not in logged and "anxiété" not in logged and "Mon titre" not in logged


def test_someone_in_no_cohort_yet_gets_an_empty_export(client, world):
    """No cohort means no bundle to word things and no entries yet; the export still opens."""
    sign_in(client, world.add_person("outside", Role.participant))
    assert json.loads(client.get("/journal/export.json").data) == []
    assert archive_of(client).namelist() == ["journal.json"]
