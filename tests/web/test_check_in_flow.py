"""Check-ins as a flow, not a list: plain titles with the instrument named in small type and
about how long each takes, what is needed before a session first, one check-in leading to
the next with progress, Back on every screen, and choosing an answer moving on."""

from __future__ import annotations

import re

from app.models import QuestionnaireResponse, utcnow
from tests.conftest import post, sign_in
from tests.web.test_questionnaires import answer_phq9, sent, start, text_of

MODERATE = [3, 2, 2, 2, 1, 2, 1, 1, 0]


def titles_in_order(page: str) -> list[str]:
    return re.findall(r'<h2 class="check-in__title"[^>]*>([^<]+)</h2>', page)


def test_check_ins_have_plain_titles_the_instrument_in_small_type_and_minutes(client, world):
    sign_in(client, world.participant)
    page = text_of(client.get("/check-ins/"))
    assert "How your mood has been" in page
    assert re.search(r'<span class="check-in__instrument">PHQ-9</span>', page)
    assert "Patient Health Questionnaire (PHQ-9)" not in page
    assert "About 3 min" in page
    assert page.count("check-in__minutes") == 6


def test_what_is_needed_before_a_session_comes_first_then_the_rest(client, world):
    sign_in(client, world.participant)
    page = text_of(client.get("/check-ins/"))
    order = titles_in_order(page)
    assert order[0] == "Medical history for your team", order
    assert len(order) == 6
    assert "Needed before your first session" in page
    # One next step: only the first check-in has the filled button.
    assert page.count('class="button button--large"') == 1


def test_a_finished_check_in_moves_below_the_ones_still_to_do(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, MODERATE)
    page = text_of(client.get("/check-ins/"))
    order = titles_in_order(page)
    assert order[-1] == "How your mood has been", order
    assert "1 of 6 done" in page


def test_the_done_page_names_the_next_check_in_and_starts_it(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, MODERATE)
    done = text_of(client.get(f"/check-ins/{response_id}/done"))
    assert "Next: Medical history for your team" in done
    assert re.search(r'name="instrument" value="medical-intake"', done)
    assert "1 of 6 done" in done


def test_the_done_page_of_the_last_check_in_says_there_is_nothing_more(client, db, world):
    sign_in(client, world.participant)
    for instrument in ("about-you", "medical-intake", "gad-7", "pcl-5", "b-ipf"):
        response_id, _ = start(client, instrument)
        found = db.get(QuestionnaireResponse, response_id)
        found.completed_at = utcnow()
        db.add(found)
        db.commit()
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, MODERATE)
    done = text_of(client.get(f"/check-ins/{response_id}/done"))
    assert "Next:" not in done
    assert "That is every check-in for now." in done


def test_back_is_there_on_the_first_screen_too(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    first = text_of(client.get(f"/check-ins/{response_id}/0"))
    assert re.search(r'<a class="button button--secondary" href="/check-ins/">Back</a>', first)
    sent(client, response_id, 0, {"q1": "1"})
    second = text_of(client.get(f"/check-ins/{response_id}/1"))
    assert 'name="go" value="back"' in second


def test_a_single_choice_screen_moves_on_when_an_answer_is_chosen(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    page = text_of(client.get(f"/check-ins/{response_id}/0"))
    assert "data-advance-on-choose" in page
    assert "Choosing an answer moves on" in page


def test_a_screen_with_typing_or_several_choices_waits_for_next(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "about-you")
    pages = []
    for number in range(5):
        pages.append(text_of(client.get(f"/check-ins/{response_id}/{number}")))
        if 'name="go" value="next"' not in pages[-1]:
            break
        if "Finish" in pages[-1]:
            break
        sent(client, response_id, number, {})
    typed = [p for p in pages if "<textarea" in p or 'type="text"' in p or 'type="checkbox"' in p]
    assert typed, "about-you has a screen that is typed or multiple choice"
    assert all("data-advance-on-choose" not in p for p in typed)


def test_french_check_ins_have_french_plain_titles_and_minutes(client, world):
    sign_in(client, world.participant)
    post(client, "/language", {"locale": "fr_CA"})
    page = text_of(client.get("/check-ins/"))
    assert "Votre humeur ces derniers temps" in page
    assert "Environ 3\u00a0min" in page
