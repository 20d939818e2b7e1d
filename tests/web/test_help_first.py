"""The help page leads with the lines that answer now (Call 9-8-8, Text 9-8-8); the request
for the team to make contact comes after them and says on its button how long it takes. Kids
Help Phone and 310-6789 are there; Québec's line for readers in French."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import post, sign_in

CONTROL = re.compile(r'<(?:a class="button[^"]*" href="([^"]+)"|button type="submit"[^>]*)>([^<]+)')


def help_page(app, person=None, locale: str = "en") -> str:
    client = app.test_client()
    if person is not None:
        sign_in(client, person)
    post(client, "/language", {"locale": locale})
    page = client.get("/help").get_data(as_text=True)
    return html.unescape(page[page.index('<main id="main"') :])


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_first_controls_are_call_and_text_9_8_8(app, world, locale):
    controls = CONTROL.findall(help_page(app, world.participant, locale))
    assert controls[0] == ("tel:988", {"en": "Call 9-8-8", "fr_CA": "Appeler le 9-8-8"}[locale])
    assert controls[1][0] == "sms:988"
    assert "9-8-8" in controls[1][1]


def test_the_team_request_comes_after_every_line_and_names_the_wait(app, world):
    page = help_page(app, world.participant)
    button = "Ask my team to contact me (usually within one working day)"
    assert button in page and "I need support now" not in page
    assert page.index(button) > page.rindex('href="tel:')


def test_kids_help_phone_and_310_6789_are_listed_with_their_own_text_number(app, world):
    page = help_page(app, world.participant)
    assert "Kids Help Phone" in page and 'href="tel:18006686868"' in page
    assert 'href="sms:686868">Text 686868<' in page
    assert 'href="tel:3106789">Call 310-6789<' in page


def test_quebecs_line_is_shown_to_readers_in_french_only(app, world):
    assert 'href="tel:18662773553"' in help_page(app, world.participant, "fr_CA")
    assert 'href="tel:18662773553"' not in help_page(app, world.participant, "en")


def test_signed_out_the_lines_are_there_and_the_team_request_is_not(app):
    page = help_page(app)
    assert 'href="tel:988"' in page and "Ask my team" not in page


def test_the_page_is_titled_plainly_and_says_once_what_quick_exit_does(app, world):
    client = app.test_client()
    sign_in(client, world.participant)
    page = html.unescape(client.get("/help").get_data(as_text=True))
    assert "<title>Get help now · Tend</title>" in page
    assert page.count("Leaving quickly") == 1
    assert page.index("Leaving quickly") > page.index('<main id="main"')
