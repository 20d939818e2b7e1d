"""The journal composer drawn by the design system: the chosen prompt as a quote above the
words with this week's prompts to change to, feelings as chips in groups, intensity as a row
of numbers from 0 to 10, and a list whose headings go down one level at a time."""

from __future__ import annotations

import re

from tests.conftest import post, sign_in
from tests.web.test_journal import entries_of, entry_form, main_of, page, written

THIS_WEEK = "w03-inner-voice"
THIS_WEEK_TEXT = "How do I usually speak to myself when things go wrong?"
WEEK_ONE_TEXT = "What brought me here, in my own words?"


def test_the_chosen_prompt_is_a_quote_above_the_words(client, world):
    sign_in(client, world.participant)
    html = main_of(page(client, f"/journal/new?prompt={THIS_WEEK}"))
    quote = re.search(r'<blockquote class="composer-prompt__quote[^>]*>\s*<p>([^<]+)</p>', html)
    assert quote and THIS_WEEK_TEXT in quote.group(1), html[:2000]
    assert html.index("composer-prompt__quote") < html.index("<textarea")
    assert "<select" not in html.split("<textarea")[0]


def test_change_prompt_lists_this_weeks_prompts_only(client, world):
    sign_in(client, world.participant)
    html = main_of(page(client, "/journal/new"))
    change = html.split('<details class="composer-prompt__change"', 1)[1].split("</details>", 1)[0]
    assert "Choose a prompt" in change
    assert len(re.findall(r'name="prompt_id" value="w03-', change)) == 4
    assert WEEK_ONE_TEXT not in change
    assert re.search(r'name="prompt_id" value=""', change)


def test_a_prompt_from_another_week_already_on_an_entry_stays_offered(client, db, world):
    sign_in(client, world.participant)
    entry_id = written(client, "Words.", prompt_id="w01-what-brought-me")
    html = main_of(page(client, f"/journal/{entry_id}/edit"))
    assert re.search(r'name="prompt_id" value="w01-what-brought-me" checked', html)
    assert "Change prompt" in html


def test_feelings_are_chips_in_groups(client, world):
    sign_in(client, world.participant)
    html = main_of(page(client, "/journal/new"))
    feelings = html.split('id="feelings-heading"', 1)[1].split("</fieldset>", 1)[0]
    groups = re.findall(r'<p class="chips__label" id="[^"]+">([^<]+)</p>', feelings)
    assert groups == ["Calm and open", "Low or tired", "Stirred up"]
    chips = re.findall(r'<label class="chip"><input type="checkbox" name="feelings"', feelings)
    assert len(chips) == 16
    assert "checklist" not in html


def test_intensity_is_a_row_of_numbers_from_0_to_10(client, world):
    sign_in(client, world.participant)
    html = main_of(page(client, "/journal/new"))
    assert re.findall(r'name="intensity" value="(\d+)"', html) == [str(n) for n in range(11)]
    assert 'class="segmented' in html
    assert 'inputmode="numeric"' not in html


def test_a_chosen_intensity_and_feelings_are_saved_and_shown_chosen_again(client, db, world):
    sign_in(client, world.participant)
    entry_id = written(client, "Words.", intensity="6", feelings=["calm", "tired"])
    [entry] = entries_of(db, world.participant)
    assert entry.id == entry_id
    html = main_of(page(client, f"/journal/{entry_id}/edit"))
    assert re.search(r'name="intensity" value="6" checked', html)
    assert re.search(r'name="feelings" value="calm" checked', html)
    assert not re.search(r'name="intensity" value="[0-57-9]" checked', html)


def test_leaving_intensity_out_saves_none(client, db, world):
    sign_in(client, world.participant)
    response = post(client, "/journal/new", entry_form("Words.", intensity=""))
    assert response.status_code == 303
    [entry] = entries_of(db, world.participant)
    assert entry.intensity is None


def test_the_journal_list_goes_down_one_heading_level_at_a_time(client, world):
    sign_in(client, world.participant)
    written(client, "Words.", title="A title")
    # Leave out the hidden notice the outbox fills only for words kept while signed out.
    shown = re.sub(
        r"<section[^>]*\bhidden\b.*?</section>", "", main_of(page(client, "/journal/")), flags=re.S
    )
    levels = [int(n) for n in re.findall(r"<h([1-6])", shown)]
    assert levels[0] == 1 and 3 in levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
