"""Control characters (terminal escapes, backspaces, the C1 set) are taken out of everything
people send, line breaks and tabs kept in long text; a name is one line. And names from people
are isolated for bidirectional text wherever shown, so a right-to-left name cannot reorder the
words around it."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.models import User
from app.text_input import one_line, strip_controls
from tests.conftest import post, sign_in
from tests.web.test_journal import entries_of, entry_form

pytestmark = pytest.mark.any_database

HOSTILE = "Ada\x1b[31m\x07 Love\x08lace\x85\x9b\x7f"


def test_strip_controls_keeps_lines_and_tabs_but_nothing_else():
    assert strip_controls("one\r\ntwo\tthree\x1b\x00\x0b\x0c\x85") == "one\r\ntwo\tthree\x00"
    assert strip_controls("Zoë 🌿 ناصر") == "Zoë 🌿 ناصر"


def test_one_line_folds_breaks_and_drops_bidi_overrides():
    assert one_line("Ada\nLovelace\t \u202e\u2066 ") == "Ada Lovelace"


def test_a_name_typed_with_control_characters_is_kept_without_them(client, db, world, invite):
    data = {
        "code": invite.code,
        "display_name": HOSTILE + "\nLine two",
        "email": "newcomer@example.org",
        "password": "a long and quiet river stone",
    }
    response = post(client, "/enrol", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    user = db.exec(select(User).where(User.email == "newcomer@example.org")).one()
    assert user.display_name == "Ada[31m Lovelace Line two"


def test_journal_text_keeps_its_lines_and_tabs_and_loses_control_characters(client, db, world):
    sign_in(client, world.participant)
    body = "first line\n\tindented\x1b[2J\x08 end\x9b"
    response = post(client, "/journal/new", entry_form(body))
    assert response.status_code == 303
    [entry] = entries_of(db, world.participant)
    assert entry.body == "first line\n\tindented[2J end"


def test_names_are_isolated_for_bidirectional_text_where_shown(client, db, world):
    world.participant.display_name = "ناصر"
    db.add(world.participant)
    db.commit()
    sign_in(client, world.participant)
    home = client.get("/").get_data(as_text=True)
    assert "<bdi>ناصر</bdi>" in home
    account = client.get("/account").get_data(as_text=True)
    assert "<bdi>ناصر</bdi>" in account


def test_staff_pages_isolate_participants_names(client, world):
    sign_in(client, world.facilitator)
    page = client.get(f"/team/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert re.search(rf"<bdi>{re.escape(world.participant.display_name)}</bdi>", page)
    assert f"<bdi>{world.cohort.name}</bdi>" in page
