"""French typography in the Canadian French catalog: a narrow no-break space (U+202F) before
; : ! and ?, and inside « », so a line never starts with a lone mark and the spacing is the
one French readers expect. Times (18:30), addresses and placeholders are left alone."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from app.config import ROOT

CATALOG = ROOT / "translations" / "fr_CA" / "LC_MESSAGES" / "messages.po"
NARROW = "\u202f"
# A mark that ends a word or clause (followed by a space, a tag, » or the end) must have the
# narrow no-break space just before it; a colon between digits is a time, not punctuation.
LOOSE_MARK = re.compile(rf"(?<![{NARROW}])[;:!?](?=[\s<»]|$)")
LOOSE_QUOTES = re.compile(rf"«(?!{NARROW})|(?<!{NARROW})»")


def french_strings() -> list[tuple[str, str]]:
    with CATALOG.open("rb") as source:
        catalog = read_po(source, locale="fr_CA")
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(str(message.id), text) for text in strings if text]
    return found


def readable(text: str) -> str:
    """The words a reader sees: no tags, addresses or placeholders."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"https?://\S+|mailto:\S+|tel:\S+", "", text)
    return re.sub(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}", "X", text)


def test_every_mark_has_a_narrow_no_break_space_before_it():
    loose = [text for _id, text in french_strings() if LOOSE_MARK.search(readable(text))]
    assert loose == [], f"{len(loose)} French strings: {loose[:5]}"


def test_guillemets_hold_narrow_no_break_spaces():
    loose = [text for _id, text in french_strings() if LOOSE_QUOTES.search(readable(text))]
    assert loose == [], loose[:5]


def test_no_ordinary_or_wide_space_is_left_before_a_mark():
    wide = [
        text
        for _id, text in french_strings()
        if re.search(r"[ \u00a0\u202f]{2}|[ \u00a0][;:!?]", text)
    ]
    assert wide == [], wide[:5]


# Words that describe a cohort (la cohorte) or a checklist (la liste) agree with it.
FEMININE = {"Completed": "Terminée", "Not started": "Pas commencée", "Ready": "Prête"}


def test_states_of_a_cohort_or_checklist_agree_in_gender():
    written = dict(french_strings())
    assert {english: written[english] for english in FEMININE} == FEMININE
