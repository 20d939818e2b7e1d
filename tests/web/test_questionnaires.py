"""Answering questionnaires over HTTP: page by page with Back and resume, bad input refused
with nothing stored for that item and the rest kept, a finished questionnaire never counted
twice, item 9 met at once by the crisis page and one urgent flag, results in plain words with
numbers that can be hidden, nobody else's responses, and answers encrypted at rest."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlmodel import select

from app.models import Answer, QuestionnaireResponse, SafetyFlag
from tests.conftest import post, sign_in

PAGE = re.compile(r"^/check-ins/(\d+)/(\d+)$")
# PHQ-9 answers for q1–q9 totalling 14 (moderate), with "Not at all" for item 9.
MODERATE = [3, 2, 2, 2, 1, 2, 1, 1, 0]


# --- Helpers. ------------------------------------------------------------------------------


def start(client, instrument: str, administration: str = "intake") -> tuple[int, int]:
    """Begin or resume; the response id and the page the redirect points at."""
    response = post(
        client, "/check-ins/start", {"instrument": instrument, "administration": administration}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    match = PAGE.match(urlsplit(response.location).path)
    assert match, response.location
    return int(match.group(1)), int(match.group(2))


def send(client, response_id: int, number: int, data: dict, go: str = "next"):
    return post(client, f"/check-ins/{response_id}/{number}", {**data, "go": go})


def sent(client, response_id: int, number: int, data: dict, go: str = "next") -> str:
    """Send a page that must be accepted; the path it redirects to."""
    response = send(client, response_id, number, data, go)
    assert response.status_code == 303, response.get_data(as_text=True)[:600]
    return urlsplit(response.location).path


def answer_phq9(client, response_id: int, values: list[int], q10: int = 1) -> str:
    """Every page of the PHQ-9 from the first; the path after the last one."""
    path = ""
    for number, value in enumerate([*values, q10]):
        path = sent(client, response_id, number, {f"q{number + 1}": str(value)})
    return path


def stored(db, response_id: int) -> dict:
    db.expire_all()
    rows = db.exec(select(Answer).where(Answer.response_id == response_id))
    return {row.item_id: None if row.value is None else json.loads(row.value) for row in rows}


def flags_of(db, person) -> list[SafetyFlag]:
    db.expire_all()
    return list(db.exec(select(SafetyFlag).where(SafetyFlag.user_id == person.id)))


def responses_of(db, person) -> list[QuestionnaireResponse]:
    db.expire_all()
    query = select(QuestionnaireResponse).where(QuestionnaireResponse.user_id == person.id)
    return list(db.exec(query))


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- Page by page. --------------------------------------------------------------------------


def test_a_participant_answers_the_phq9_page_by_page_and_reads_the_result_in_plain_words(
    client, db, world
):
    sign_in(client, world.participant)
    response_id, number = start(client, "phq-9")
    assert number == 0
    first = text_of(client.get(f"/check-ins/{response_id}/0"))
    assert "Screen 1 of 10" in first
    assert "Little interest or pleasure in doing things" in first
    assert "Over the last 2 weeks" in first
    assert sent(client, response_id, 0, {"q1": "3"}) == f"/check-ins/{response_id}/1"
    assert "Screen 2 of 10" in text_of(client.get(f"/check-ins/{response_id}/1"))
    for number, value in enumerate(MODERATE[1:], start=1):
        sent(client, response_id, number, {f"q{number + 1}": str(value)})
    assert "Finish" in text_of(client.get(f"/check-ins/{response_id}/9"))
    assert sent(client, response_id, 9, {"q10": "1"}) == f"/check-ins/{response_id}/done"
    done = text_of(client.get(f"/check-ins/{response_id}/done"))
    assert "Moderate symptoms" in done
    assert "These problems have been bothering you fairly often." in done
    assert "Score: 14 (range 0 to 27)" in done
    assert "This is not a diagnosis" in done
    [saved] = responses_of(db, world.participant)
    assert saved.completed_at is not None
    assert (saved.instrument_id, saved.instrument_version, saved.locale, saved.bundle_id) == (
        "phq-9",
        1,
        "en",
        "core",
    )
    assert stored(db, response_id) == {
        **{f"q{n}": value for n, value in enumerate(MODERATE, start=1)},
        "q10": 1,
    }
    assert flags_of(db, world.participant) == []


def test_back_saves_the_page_and_returns_to_the_previous_one_with_its_answer_shown(
    client, db, world
):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    for number in range(3):
        sent(client, response_id, number, {f"q{number + 1}": "2"})
    assert sent(client, response_id, 3, {"q4": "1"}, go="back") == f"/check-ins/{response_id}/2"
    page = text_of(client.get(f"/check-ins/{response_id}/2"))
    assert re.search(r'name="q3" value="2" checked', page)
    assert not re.search(r'name="q3" value="[013]" checked', page)
    assert stored(db, response_id)["q4"] == 1
    assert 'name="go" value="back"' in page
    assert 'name="go" value="back"' not in text_of(client.get(f"/check-ins/{response_id}/0"))


def test_leaving_and_coming_back_resumes_at_the_first_unanswered_page(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    for number in range(4):
        sent(client, response_id, number, {f"q{number + 1}": "1"} if number != 2 else {})
    index = text_of(client.get("/check-ins/"))
    assert "Started: you can pick up where you left off." in index
    assert "Continue" in index
    assert start(client, "phq-9") == (response_id, 4)
    assert len(responses_of(db, world.participant)) == 1
    # A skipped question counts as seen: it was left blank on purpose.
    assert stored(db, response_id) == {"q1": 1, "q2": 1, "q3": None, "q4": 1}


def test_a_page_number_past_the_end_is_not_found(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    assert client.get(f"/check-ins/{response_id}/10").status_code == 404
    assert send(client, response_id, 10, {"q10": "1"}).status_code == 404


def test_a_questionnaire_that_is_not_open_cannot_be_started(client, db, world):
    sign_in(client, world.participant)
    for instrument, administration in [
        ("phq-9", "end"),
        ("phq-9", "follow-up-1m"),
        ("x", "intake"),
    ]:
        response = post(
            client,
            "/check-ins/start",
            {"instrument": instrument, "administration": administration},
        )
        assert response.status_code == 404
    assert responses_of(db, world.participant) == []


# --- Bad input. -----------------------------------------------------------------------------


def test_an_answer_outside_the_set_is_refused_with_422_and_nothing_is_stored_for_it(
    client, db, world
):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    refused = send(client, response_id, 0, {"q1": "7"})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Please choose one of the answers shown." in page
    assert "Your other answers are kept." in page
    assert stored(db, response_id) == {}
    # An answer already given stays as it was when a tampered one follows it.
    sent(client, response_id, 0, {"q1": "2"})
    assert send(client, response_id, 0, {"q1": "2; DROP TABLE answer"}).status_code == 422
    assert stored(db, response_id) == {"q1": 2}


def test_on_a_page_of_two_questions_a_refused_answer_keeps_the_other_one(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "medical-intake")
    for number, (item_id, value) in enumerate(
        [("age-18-plus", "yes"), ("pregnancy", "no"), ("bp-known-high", "no")]
    ):
        sent(client, response_id, number, {item_id: value})
    assert sent(client, response_id, 3, {"bp-reading-known": "yes"}) == (
        f"/check-ins/{response_id}/4"
    )
    refused = send(client, response_id, 4, {"bp-systolic": "400", "bp-diastolic": "85"})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Please enter a number in the range shown." in page
    assert 'value="400"' in page and 'value="85"' in page  # what was typed is shown again
    answers = stored(db, response_id)
    assert answers["bp-diastolic"] == 85
    assert "bp-systolic" not in answers
    not_a_number = send(client, response_id, 4, {"bp-systolic": "high", "bp-diastolic": "85"})
    assert not_a_number.status_code == 422
    assert "Please enter a number." in text_of(not_a_number)
    assert "bp-systolic" not in stored(db, response_id)


def test_a_required_question_left_blank_is_refused_with_a_reason(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "medical-intake")
    refused = send(client, response_id, 0, {})
    assert refused.status_code == 422
    assert "This question is needed for your safety. Please answer it." in text_of(refused)
    assert stored(db, response_id) == {}


def test_a_tampered_item_id_or_an_item_from_another_page_stores_nothing(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    sent(client, response_id, 0, {"q1": "1", "q9": "3", "q99": "2", "pregnancy": "yes"})
    assert stored(db, response_id) == {"q1": 1}


# --- Finishing, once. -----------------------------------------------------------------------


def test_item_9_answered_several_days_shows_the_crisis_page_and_raises_one_urgent_flag(
    client, db, world
):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    done = answer_phq9(client, response_id, [1, 1, 0, 0, 0, 0, 0, 0, 1])
    assert done == f"/check-ins/{response_id}/done"
    page = text_of(client.get(done))
    assert "You don't have to hold this alone" in page
    assert "Some of what you shared tells us that things may be very hard right now." in page
    assert "9-8-8" in page and 'href="tel:988"' in page
    assert "What happens next" in page
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.instrument_id, flag.rule_id, flag.response_id) == (
        "urgent",
        "questionnaire",
        "phq-9",
        "phq9-item9",
        response_id,
    )
    assert flag.cohort_id == world.cohort.id


def test_finishing_twice_creates_no_second_response_and_no_second_flag(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, [0, 0, 0, 0, 0, 0, 0, 0, 2])
    completed_at = responses_of(db, world.participant)[0].completed_at
    again = send(client, response_id, 9, {"q10": "3"})
    assert again.status_code == 303
    assert urlsplit(again.location).path == f"/check-ins/{response_id}/done"
    assert send(client, response_id, 8, {"q9": "0"}).status_code == 303
    assert client.get(f"/check-ins/{response_id}/done").status_code == 200
    assert start(client, "phq-9") == (response_id, 9)
    [response] = responses_of(db, world.participant)
    assert response.completed_at == completed_at
    assert len(flags_of(db, world.participant)) == 1
    assert stored(db, response_id)["q9"] == 2
    assert stored(db, response_id)["q10"] == 1
    index = text_of(client.get("/check-ins/"))
    assert "Done. Thank you." in index


def test_an_unfinished_questionnaire_has_no_done_page_yet(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    response = client.get(f"/check-ins/{response_id}/done")
    assert response.status_code == 303
    assert urlsplit(response.location).path == f"/check-ins/{response_id}/0"
    assert responses_of(db, world.participant)[0].completed_at is None


def test_a_domain_that_stopped_applying_after_going_back_does_not_count_in_the_bipf(
    client, db, world
):
    sign_in(client, world.participant)
    response_id, _ = start(client, "b-ipf")
    sent(client, response_id, 0, {"a1": "yes"})
    assert sent(client, response_id, 1, {"q1": "6"}, go="back") == f"/check-ins/{response_id}/0"
    # Partner after all: no. The romantic relationship rating is no longer asked.
    assert sent(client, response_id, 0, {"a1": "no"}) == f"/check-ins/{response_id}/1"
    pages = [
        {"a2": "yes"},
        {"q2": "3"},
        {"a3": "yes"},
        {"q3": "3"},
        {"a4": "no"},
        {"a5": "no"},
        {"a6": "no"},
        {"a7": "no"},
    ]
    for number, data in enumerate(pages, start=1):
        path = sent(client, response_id, number, data)
    assert path == f"/check-ins/{response_id}/done"
    done = text_of(client.get(path))
    assert "Score: 50 (range 0 to 100)" in done  # (3 + 3) of 2 × 6, not 12 of 3 × 6


# --- Results. -------------------------------------------------------------------------------


def test_results_show_the_band_in_plain_words_and_hide_the_numbers_on_request(client, db, world):
    sign_in(client, world.participant)
    assert "Nothing here yet." in text_of(client.get("/check-ins/results"))
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, MODERATE)
    shown = text_of(client.get("/check-ins/results"))
    assert "Moderate symptoms" in shown
    assert "These problems have been bothering you fairly often." in shown
    assert '<svg class="chart"' in shown
    assert re.search(r"<li>[^<]*: 14</li>", shown)
    assert "Hide the numbers" in shown

    hide = post(client, "/check-ins/results/numbers", {"hide": "1"})
    assert hide.status_code == 303
    assert urlsplit(hide.location).path == "/check-ins/results"
    hidden = text_of(client.get("/check-ins/results"))
    assert "Moderate symptoms" in hidden
    assert "These problems have been bothering you fairly often." in hidden
    assert '<svg class="chart"' not in hidden
    assert not re.search(r"<li>[^<]*: 14</li>", hidden)
    assert "Show the numbers" in hidden
    assert "Score:" not in text_of(client.get(f"/check-ins/{response_id}/done"))

    post(client, "/check-ins/results/numbers", {"hide": "0"})
    assert re.search(r"<li>[^<]*: 14</li>", text_of(client.get("/check-ins/results")))


def test_results_are_in_french_for_a_french_speaking_participant(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, MODERATE)
    post(client, "/language", {"locale": "fr_CA"})
    page = text_of(client.get("/check-ins/results"))
    assert "Symptômes modérés" in page


# --- Nobody else's. -------------------------------------------------------------------------


def test_a_participant_opening_another_participants_response_gets_404(app, client, db, world):
    other = app.test_client()
    sign_in(other, world.same_group)
    theirs, _ = start(other, "phq-9")
    sent(other, theirs, 0, {"q1": "3"})

    sign_in(client, world.participant)
    assert client.get(f"/check-ins/{theirs}/0").status_code == 404
    assert client.get(f"/check-ins/{theirs}/1").status_code == 404
    assert send(client, theirs, 1, {"q2": "0"}).status_code == 404
    assert client.get(f"/check-ins/{theirs}/done").status_code == 404
    assert stored(db, theirs) == {"q1": 3}
    assert responses_of(db, world.participant) == []


# --- The support button. --------------------------------------------------------------------


def test_asking_the_team_to_make_contact_raises_an_urgent_flag_and_shows_the_crisis_lines(
    client, db, world
):
    sign_in(client, world.participant)
    assert "Ask my team to contact me" in text_of(client.get("/help"))
    response = post(client, "/check-ins/support")
    assert response.status_code == 200
    page = text_of(response)
    assert "Thank you for reaching out." in page
    assert "9-8-8" in page
    [flag] = flags_of(db, world.participant)
    assert (flag.source, flag.level, flag.instrument_id, flag.rule_id) == (
        "support-button",
        "urgent",
        None,
        None,
    )
    assert flag.cohort_id == world.cohort.id


# --- Encryption at rest. --------------------------------------------------------------------


def test_answers_are_stored_encrypted_with_no_plaintext_in_the_raw_column(client, db, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "about-you")
    words = "Wren, from the Cedar Street community garden"
    sent(client, response_id, 0, {"preferred-name": words})
    phq9, _ = start(client, "phq-9")
    sent(client, phq9, 0, {"q1": "2"})
    assert stored(db, response_id)["preferred-name"] == words
    raw = db.connection().execute(
        text("SELECT response_id, value FROM answer WHERE response_id IN (:a, :b)"),
        {"a": response_id, "b": phq9},
    )
    values = {row.response_id: row.value for row in raw}
    assert set(values) == {response_id, phq9}
    for value in values.values():
        assert value.startswith("gAAAAA")
        assert "Wren" not in value and "Cedar" not in value
        assert value not in ('"2"', "2")
