"""Session days over HTTP, with plain form posts as a phone without JavaScript sends them: the
pre-session checklist (one page or one step at a time), consents and re-consent, withdrawal
and the evaluation export, the check-in after a session, the cohort timeline and the personal
calendar feed. Sessions are placed relative to the real clock."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import zipfile
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime, format_time
from icalendar import Calendar
from sqlalchemy import text
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.crypto import token_hash
from app.models import (
    AuditEvent,
    CalendarFeed,
    ChecklistSubmission,
    ConsentRecord,
    MedicineSession,
    Meeting,
    QuestionnaireResponse,
    SafetyFlag,
)
from app.questionnaires import engine, services
from app.sessions import checklist, consent
from tests.conftest import post, sign_in

SHIPPED = ROOT / "app" / "content" / "bundles"
NAME = "Rowan Quill-Ashby"
DRIVER, DRIVER_PHONE, DRIVER_PHONE_SHOWN = "Alex Morgan", "604-555-0134", "(604) 555-0134"
PHONE_PROBLEM = "That does not look like a phone number."


@lru_cache(maxsize=1)
def library():
    return load_library(SHIPPED)


def pre_session():
    return library().get("checklist", checklist.PRE_SESSION, "en", "core").item.data


def local_now(cohort) -> datetime:
    """Now on the cohort's wall clock, to the minute, without its zone."""
    return datetime.now(ZoneInfo(cohort.timezone)).replace(tzinfo=None, second=0, microsecond=0)


def add_session(db, cohort, starts_local: datetime, number: int = 1, place=None):
    made = MedicineSession(
        cohort_id=cohort.id, number=number, starts_local=starts_local, place=place
    )
    db.add(made)
    db.commit()
    return made


def signed_in(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def answer_fields(item, answer: str = "yes") -> dict[str, str]:
    """What the browser sends for one item."""
    if item.kind == "yes_not_yet_no":
        return {item.id: answer}
    if item.kind == "yesno":
        return {item.id: item.clear_answer}
    if item.kind == "ride":
        return {f"{item.id}-name": DRIVER, f"{item.id}-phone": DRIVER_PHONE}
    return {item.id: "Curiosity, lightly held"}


def full_form(**answers) -> dict[str, str]:
    form = {}
    for item in pre_session().items:
        form |= answer_fields(item)
    return form | answers


def submissions(db, person=None) -> list[ChecklistSubmission]:
    db.expire_all()
    query = select(ChecklistSubmission)
    if person is not None:
        query = query.where(ChecklistSubmission.user_id == person.id)
    return list(db.exec(query))


def flags_of(db, person) -> list[SafetyFlag]:
    db.expire_all()
    return list(db.exec(select(SafetyFlag).where(SafetyFlag.user_id == person.id)))


def clock(moment: datetime) -> str:
    """A time of day as English pages write it: the locale's own 12-hour clock."""
    return format_time(moment, "short", locale="en")


def long_form(moment: datetime, zone: str) -> str:
    """A time as the pages write it (format_datetime_long), on the cohort's clock."""
    return format_datetime(moment, "EEEE, MMMM d, h:mm\u202fa", tzinfo=ZoneInfo(zone), locale="en")


# --- The pre-session checklist. --------------------------------------------------------------


@pytest.fixture
def open_session(db, world):
    """Session 1 in 30 hours: its checklist is open."""
    return add_session(db, world.cohort, local_now(world.cohort) + timedelta(hours=30))


@pytest.fixture
def participant_client(app, world):
    return signed_in(app, world.participant)


def checklist_url(made) -> str:
    return f"/sessions/{made.id}/checklist"


def test_the_checklist_shows_the_fasting_time_computed_from_the_start_on_the_cohorts_clock(
    participant_client, world, open_session
):
    response = participant_client.get(checklist_url(open_session))
    assert response.status_code == 200
    zone = ZoneInfo(world.cohort.timezone)
    starts = open_session.starts_local.replace(tzinfo=zone).astimezone(UTC)
    fasting = clock((starts - timedelta(hours=6)).astimezone(zone))
    fluids = clock((starts - timedelta(hours=2)).astimezone(zone))
    page = page_of(response)
    assert f"I will not eat from {fasting} (6 hours before)" in page
    assert f"clear fluids until {fluids} (2 hours before)" in page
    assert "{fasting_time}" not in page
    # All on one page: every item is there; the day's own (the session is tomorrow) waits.
    assert page.count('<fieldset class="question') == sum(
        1 for item in pre_session().items if item.kind != "text" and not item.asked_on_the_day
    )
    assert "Asked on the day of your session" in page


def test_every_yes_and_a_ride_home_on_one_page_is_ready(
    db, participant_client, world, open_session
):
    response = post(participant_client, checklist_url(open_session), full_form())
    assert response.status_code == 303
    assert response.location.endswith(f"/sessions/{open_session.id}/checklist/result")
    result = page_of(participant_client.get(response.location))
    assert "You're ready." in result
    [record] = submissions(db, world.participant)
    assert (record.state, record.checklist_id) == ("ready", "pre-session")
    assert record.submitted_at is not None
    answers = checklist.answers_of(record)
    assert answers["ride-home"] == {"name": DRIVER, "phone": DRIVER_PHONE_SHOWN}
    assert answers["intention"] == "Curiosity, lightly held"
    raw = db.connection().execute(
        text("SELECT answers FROM checklist_submission WHERE id = :id"), {"id": record.id}
    )
    stored = raw.scalar_one()
    assert DRIVER not in stored and "555" not in stored and "Curiosity" not in stored
    assert flags_of(db, world.participant) == []


def test_a_no_on_a_safety_item_is_a_hard_stop_and_one_urgent_flag_however_often_it_is_sent(
    db, participant_client, world, open_session
):
    for _ in range(2):
        form = full_form(**{"medicines-reviewed": "no"})
        response = post(participant_client, checklist_url(open_session), form)
        assert response.status_code == 303
        assert response.location.endswith("/checklist/result")
    result = page_of(participant_client.get(response.location))
    assert "the nurse will contact you before the session" in result
    [record] = submissions(db, world.participant)
    assert record.state == "hard_stop"
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.cohort_id) == ("urgent", "checklist", world.cohort.id)
    assert flag.acknowledged_at is None


def test_a_not_yet_is_in_progress_and_the_result_says_what_to_do_for_that_item_only(
    db, participant_client, world, open_session
):
    response = post(participant_client, checklist_url(open_session), full_form(fasting="not_yet"))
    assert response.status_code == 303
    result = page_of(participant_client.get(response.location))
    fasting, clothing = (
        next(item for item in pre_session().items if item.id == wanted)
        for wanted in ("fasting", "clothing")
    )
    assert "A few things are not done yet." in result
    assert fasting.not_yet["en"] in result
    assert clothing.not_yet["en"] not in result  # answered yes
    [record] = submissions(db, world.participant)
    assert record.state == "in_progress"
    assert flags_of(db, world.participant) == []
    # Back on the checklist the answer is still chosen, with what to do under it.
    again = page_of(participant_client.get(checklist_url(open_session)))
    assert 'name="fasting" value="not_yet" checked' in again
    assert fasting.not_yet["en"] in again


def test_a_phone_number_that_is_not_one_gets_a_message_and_everything_else_is_kept(
    db, participant_client, world, open_session
):
    form = full_form(**{"ride-home-phone": "call me", "fasting": "not_yet"})
    response = post(participant_client, checklist_url(open_session), form)
    assert response.status_code == 422
    page = page_of(response)
    assert PHONE_PROBLEM in page
    assert f'name="ride-home-name" type="text" autocomplete="off" value="{DRIVER}"' in page
    assert 'value="call me"' in page
    assert 'name="fasting" value="not_yet" checked' in page
    assert 'name="clothing" value="yes" checked' in page
    [record] = submissions(db, world.participant)
    answers = checklist.answers_of(record)
    assert "ride-home" not in answers
    assert (answers["fasting"], answers["clothing"]) == ("not_yet", "yes")
    assert record.state == "in_progress" and record.submitted_at is None


def test_a_checklist_for_a_session_of_another_cohort_is_not_found(db, participant_client, world):
    theirs = add_session(
        db, world.other_cohort, local_now(world.other_cohort) + timedelta(hours=30)
    )
    assert participant_client.get(checklist_url(theirs)).status_code == 404
    assert post(participant_client, checklist_url(theirs), full_form()).status_code == 404
    assert participant_client.get(f"{checklist_url(theirs)}/result").status_code == 404
    assert participant_client.get(f"/sessions/{theirs.id}/check-in").status_code == 404
    assert submissions(db) == []


def test_a_checklist_that_is_not_open_yet_is_refused_with_when_it_opens(
    db, participant_client, world
):
    later = add_session(db, world.cohort, local_now(world.cohort) + timedelta(hours=72))
    opens = later.starts_local.replace(tzinfo=ZoneInfo(world.cohort.timezone)) - timedelta(hours=48)
    response = participant_client.get(checklist_url(later))
    assert response.status_code == 409
    page = page_of(response)
    assert "The checklist is not open" in page
    assert f"It opens {long_form(opens, world.cohort.timezone)}" in page
    refused = post(participant_client, checklist_url(later), full_form())
    assert refused.status_code == 409
    assert "The checklist is not open" in page_of(refused)
    assert submissions(db) == []


def test_a_checklist_for_a_session_that_has_started_is_refused_and_nothing_is_stored(
    db, participant_client, world
):
    started = add_session(db, world.cohort, local_now(world.cohort) - timedelta(hours=1))
    assert participant_client.get(checklist_url(started)).status_code == 409
    refused = post(participant_client, checklist_url(started), full_form())
    assert refused.status_code == 409
    assert "The checklist is not open" in page_of(refused)
    assert submissions(db) == []
    assert flags_of(db, world.participant) == []


def test_one_step_at_a_time_without_javascript_ends_ready(
    db, participant_client, world, open_session
):
    items = pre_session().items
    first = page_of(participant_client.get(f"{checklist_url(open_session)}?step=1"))
    assert f"Step 1 of {len(items)}" in first
    assert first.count('<fieldset class="question') == 1
    assert f'action="{checklist_url(open_session)}?step=1"' in first
    for number, item in enumerate(items, start=1):
        url = f"{checklist_url(open_session)}?step={number}"
        response = post(participant_client, url, answer_fields(item))
        assert response.status_code == 303, page_of(response)[:300]
        if number < len(items):
            assert response.location.endswith(f"?step={number + 1}")
    assert response.location.endswith("/checklist/result")
    assert "You're ready." in page_of(participant_client.get(response.location))
    [record] = submissions(db, world.participant)
    assert record.state == "ready" and record.submitted_at is not None
    answers = checklist.answers_of(record)
    assert answers["ride-home"] == {"name": DRIVER, "phone": DRIVER_PHONE_SHOWN}
    assert answers["intention"] == "Curiosity, lightly held"


def test_a_step_shows_the_answer_already_given_and_a_way_back(
    participant_client, world, open_session
):
    url = f"{checklist_url(open_session)}?step=1"
    assert post(participant_client, url, {"fasting": "not_yet"}).status_code == 303
    page = page_of(participant_client.get(url))
    assert 'name="fasting" value="not_yet" checked' in page
    second = page_of(participant_client.get(f"{checklist_url(open_session)}?step=2"))
    assert f'href="{checklist_url(open_session)}?step=1"' in second
    assert participant_client.get(f"{checklist_url(open_session)}?step=99").status_code == 404


def test_a_wrong_phone_on_its_step_stays_on_that_step_with_the_name_kept(
    db, participant_client, world, open_session
):
    number = next(n for n, i in enumerate(pre_session().items, start=1) if i.kind == "ride")
    url = f"{checklist_url(open_session)}?step={number}"
    response = post(participant_client, url, {"ride-home-name": DRIVER, "ride-home-phone": "12345"})
    assert response.status_code == 422
    page = page_of(response)
    assert PHONE_PROBLEM in page and f'value="{DRIVER}"' in page
    assert f"Step {number} of" in page


# --- Consents over HTTP. ---------------------------------------------------------------------


def consent_records(db, person) -> list[ConsentRecord]:
    db.expire_all()
    query = select(ConsentRecord).where(ConsentRecord.user_id == person.id)
    return list(db.exec(query.order_by(ConsentRecord.id)))


def sign_all(db, world, person):
    for resolved in consent.documents(library(), "core", "en"):
        choices = resolved.item.data.choices
        consent.sign(
            db, person, world.cohort.id, resolved, choices[0].id if choices else None, NAME
        )


def with_new_version(tmp_path, document_id: str, new_text: str | None = None):
    root = tmp_path / "bundles"
    shutil.copytree(SHIPPED, root)
    for path in (root / "core" / "consent").glob(f"{document_id}.*.md"):
        source = re.sub(
            r"\nversion: (\d+)\n",
            lambda m: f"\nversion: {int(m[1]) + 1}\n",
            path.read_text(encoding="utf-8"),
            count=1,
        )
        if new_text:
            source += f"\n{new_text}\n"
        path.write_text(source, encoding="utf-8")
    return load_library(root)


def test_a_participant_reads_and_signs_a_consent_by_typing_their_name(
    db, participant_client, world
):
    page = page_of(participant_client.get("/consent/treatment"))
    assert "Taking part in the program and its ketamine sessions" in page
    assert "Version 2" in page
    response = post(participant_client, "/consent/treatment", {"signed_name": f"  {NAME} "})
    assert response.status_code == 303 and response.location.endswith("/consent")
    [record] = consent_records(db, world.participant)
    shown = library().get("consent", "treatment", "en", "core")
    assert (record.document_id, record.version, record.locale, record.choice) == (
        "treatment",
        2,
        "en",
        None,
    )
    assert record.text_sha256 == consent.text_hash(shown)
    assert record.signed_name == NAME
    raw = db.connection().execute(
        text("SELECT signed_name FROM consent_record WHERE id = :id"), {"id": record.id}
    )
    assert NAME not in raw.scalar_one()


def test_a_consent_read_in_french_is_stored_with_its_locale_and_french_fingerprint(app, db, world):
    world.participant.preferred_locale = "fr_CA"
    db.add(world.participant)
    db.commit()
    client = signed_in(app, world.participant)
    response = post(client, "/consent/touch", {"choice": "yes", "signed_name": NAME})
    assert response.status_code == 303
    [record] = consent_records(db, world.participant)
    french = library().get("consent", "touch", "fr_CA", "core")
    assert (record.locale, record.choice) == ("fr_CA", "yes")
    assert record.text_sha256 == consent.text_hash(french)


def test_signing_with_an_empty_name_is_refused_and_the_choice_is_kept(
    db, participant_client, world
):
    response = post(participant_client, "/consent/research", {"choice": "yes", "signed_name": " "})
    assert response.status_code == 422
    page = page_of(response)
    assert "Please type your name to sign." in page
    assert 'name="choice" value="yes" checked' in page
    assert consent_records(db, world.participant) == []


def test_a_new_version_asks_again_at_the_next_sign_in(app, db, world, tmp_path, monkeypatch):
    sign_all(db, world, world.participant)
    assert sign_in(app.test_client(), world.participant).location == "/"

    monkeypatch.setitem(
        app.extensions, "tend_content", with_new_version(tmp_path, "confidentiality")
    )
    client = app.test_client()
    assert sign_in(client, world.participant).location == "/consent"
    page = page_of(client.get("/consent"))
    assert page.count("A new version is waiting for you.") == 1
    assert "Version 2" in page_of(client.get("/consent/confidentiality"))

    assert post(client, "/consent/confidentiality", {"signed_name": NAME}).status_code == 303
    versions = [
        r.version
        for r in consent_records(db, world.participant)
        if r.document_id == "confidentiality"
    ]
    assert versions == [1, 2]
    assert sign_in(app.test_client(), world.participant).location == "/"


def test_the_signed_copy_shows_the_version_the_fingerprint_and_the_text(
    db, participant_client, world
):
    post(participant_client, "/consent/research", {"choice": "yes", "signed_name": NAME})
    [record] = consent_records(db, world.participant)
    page = page_of(participant_client.get("/consent/research/signed"))
    assert f"<dt>Version</dt><dd>{record.version}</dd>" in page and record.version == 2
    assert f'<code class="hash">{record.text_sha256}</code>' in page
    assert f"<dd><bdi>{NAME}</bdi></dd>" in page
    assert "Yes, you may use my scores for evaluation" in page
    assert "The program wants to learn whether it helps people" in page
    assert participant_client.get("/consent/treatment/signed").status_code == 404  # unsigned


def test_the_signed_copy_says_so_when_the_text_has_changed_since(
    app, db, participant_client, world, tmp_path, monkeypatch
):
    post(participant_client, "/consent/research", {"choice": "yes", "signed_name": NAME})
    [record] = consent_records(db, world.participant)
    changed = with_new_version(tmp_path, "research", "A sentence added in version 2.")
    monkeypatch.setitem(app.extensions, "tend_content", changed)
    page = page_of(participant_client.get("/consent/research/signed"))
    assert "The text has changed since you signed." in page
    assert record.text_sha256 in page
    assert "A sentence added in version 2." not in page


def test_the_research_and_the_treatment_consent_can_both_be_withdrawn(
    db, participant_client, world
):
    post(participant_client, "/consent/research", {"choice": "yes", "signed_name": NAME})
    post(participant_client, "/consent/treatment", {"signed_name": NAME})
    assert 'href="/consent/research/withdraw"' in page_of(participant_client.get("/consent"))

    for document_id in ("research", "treatment"):
        withdrawn = post(participant_client, f"/consent/{document_id}/withdraw")
        assert withdrawn.status_code == 303
        page = page_of(participant_client.get(withdrawn.location))
        assert "Withdrawn. This takes effect from now on." in page
    assert "Withdrawn on" in page
    by_document = {r.document_id: r for r in consent_records(db, world.participant)}
    assert by_document["treatment"].withdrawn_at is not None
    assert by_document["research"].withdrawn_at is not None


def completed_phq9(db, world, person):
    resolved = library().get("questionnaire", "phq-9", "en", "core")
    instrument = resolved.item.data
    response = QuestionnaireResponse(
        user_id=person.id,
        cohort_id=world.cohort.id,
        instrument_id="phq-9",
        instrument_version=instrument.version,
        administration="intake",
        locale="en",
        bundle_id="core",
    )
    db.add(response)
    db.commit()
    answers = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 0}
    items = engine.visible_items(instrument, answers)
    form = {item_id: [str(value)] for item_id, value in answers.items()}
    assert services.save_page(db, response, instrument, items, form) == {}
    services.finish(db, person, response, instrument)


def exported_people(app, world) -> list[str]:
    client = signed_in(app, world.facilitator)
    response = client.get(f"/team/cohorts/{world.cohort.id}/outcomes.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("scores.csv").decode("utf-8"))))
    return [(row["participant"], row["instrument"], row["total"]) for row in rows]


def test_withdrawing_research_consent_leaves_the_person_out_of_the_next_export(
    app, db, participant_client, world
):
    completed_phq9(db, world, world.participant)
    completed_phq9(db, world, world.same_group)  # never consented
    assert exported_people(app, world) == []

    post(participant_client, "/consent/research", {"choice": "yes", "signed_name": NAME})
    assert exported_people(app, world) == [("P001", "phq-9", "8")]

    assert post(participant_client, "/consent/research/withdraw").status_code == 303
    assert exported_people(app, world) == []


# --- The check-in after a session. -----------------------------------------------------------


def zone_where_it_is(hour: int) -> str:
    """A fixed-offset zone whose clock now reads `hour` o'clock (no daylight saving)."""
    offset = (hour - datetime.now(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def session_seen_at(db, world, hour: int, day_offset: int):
    """A session at 09:00 `day_offset` days from today, in a cohort whose clock reads `hour`."""
    world.cohort.timezone = zone_where_it_is(hour)
    db.add(world.cohort)
    db.commit()
    today = local_now(world.cohort).date()
    return add_session(
        db, world.cohort, datetime.combine(today + timedelta(days=day_offset), time(9, 0))
    )


def check_in_url(made) -> str:
    return f"/sessions/{made.id}/check-in"


CALM = {"how-are-you": "7", "sleep": "well", "mood": "settled", "contact-me": "no"}


def test_the_zone_helper_finds_a_clock_at_the_hour_asked():
    for hour in (9, 20):
        assert datetime.now(ZoneInfo(zone_where_it_is(hour))).hour in (hour, (hour + 1) % 24)


@pytest.mark.parametrize(("hour", "day_offset"), [(20, 0), (9, -1)], ids=["evening", "morning"])
def test_the_check_in_is_open_the_evening_of_the_session_and_the_next_morning(
    app, db, world, hour, day_offset
):
    made = session_seen_at(db, world, hour, day_offset)
    client = signed_in(app, world.participant)
    response = client.get(check_in_url(made))
    assert response.status_code == 200
    assert "How are you after the session?" in page_of(response)
    assert "How are you after the session?" in page_of(client.get("/"))
    sent = post(client, check_in_url(made), CALM)
    assert sent.status_code == 303 and sent.location == "/"
    [record] = submissions(db, world.participant)
    moment = "evening" if hour == 20 else "morning"
    assert record.checklist_id == f"after-session-{moment}"
    assert checklist.answers_of(record)["how-are-you"] == 7
    assert flags_of(db, world.participant) == []


@pytest.mark.parametrize(
    ("hour", "day_offset"),
    [(20, 2), (9, 0), (20, -1), (14, -1)],
    ids=["before-the-day", "morning-of-the-day", "the-day-after-evening", "next-afternoon"],
)
def test_the_check_in_is_closed_at_other_times_and_stores_nothing(app, db, world, hour, day_offset):
    made = session_seen_at(db, world, hour, day_offset)
    client = signed_in(app, world.participant)
    response = client.get(check_in_url(made))
    assert response.status_code == 409
    assert "The check-in is not open" in page_of(response)
    assert post(client, check_in_url(made), CALM).status_code == 409
    assert submissions(db) == []


@pytest.mark.parametrize(
    "worrying",
    [{"how-are-you": "2"}, {"how-are-you": "0"}, {"mood": "very-low"}],
    ids=["feeling-2", "feeling-0", "mood-very-low"],
)
def test_a_worrying_answer_raises_an_urgent_flag_and_shows_the_crisis_lines(
    app, db, world, worrying
):
    made = session_seen_at(db, world, 20, 0)
    client = signed_in(app, world.participant)
    response = post(client, check_in_url(made), CALM | worrying)
    assert response.status_code == 200
    page = page_of(response)
    assert "You don't have to hold this alone" in page
    for line in app.config["TEND"].lines_for("en"):
        assert f'href="tel:{line["tel"]}"' in page
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source) == ("urgent", "after-session")


def test_a_feeling_of_three_raises_nothing(app, db, world):
    made = session_seen_at(db, world, 20, 0)
    client = signed_in(app, world.participant)
    assert post(client, check_in_url(made), CALM | {"how-are-you": "3"}).status_code == 303
    assert flags_of(db, world.participant) == []


def test_asking_to_be_contacted_raises_a_review_flag(app, db, world):
    made = session_seen_at(db, world, 9, -1)
    client = signed_in(app, world.participant)
    response = post(client, check_in_url(made), CALM | {"contact-me": "yes"})
    assert response.status_code == 303
    [flag] = flags_of(db, world.participant)
    assert (flag.level, flag.source, flag.rule_id) == ("review", "after-session", "contact-me")


def test_a_check_in_answer_out_of_range_is_refused_and_the_rest_kept(app, db, world):
    made = session_seen_at(db, world, 20, 0)
    client = signed_in(app, world.participant)
    note = "Slept a lot, feeling tender"
    response = post(client, check_in_url(made), CALM | {"how-are-you": "11", "anything-else": note})
    assert response.status_code == 422
    page = page_of(response)
    assert "Please choose a number from 0 to 10." in page
    assert note in page and 'name="sleep" value="well" checked' in page
    assert submissions(db) == []


# --- The cohort timeline. --------------------------------------------------------------------


def timeline_url(world) -> str:
    return f"/team/cohorts/{world.cohort.id}/timeline"


def field(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def sessions_by_number(db, world) -> dict[int, MedicineSession]:
    db.expire_all()
    query = select(MedicineSession).where(MedicineSession.cohort_id == world.cohort.id)
    return {made.number: made for made in db.exec(query)}


def test_a_facilitator_sets_the_three_sessions(app, db, world):
    client = signed_in(app, world.facilitator)
    form = {
        "session-1": "2026-03-09T09:00",
        "place-1": "Studio on Main",
        "session-2": "2026-04-06T09:30",
        "session-3": "2026-05-04T10:00",
    }
    response = post(client, timeline_url(world), form)
    assert response.status_code == 303
    made = sessions_by_number(db, world)
    assert {n: s.starts_local for n, s in made.items()} == {
        1: datetime(2026, 3, 9, 9, 0),
        2: datetime(2026, 4, 6, 9, 30),
        3: datetime(2026, 5, 4, 10, 0),
    }
    assert (made[1].place, made[2].place) == ("Studio on Main", None)
    page = page_of(client.get(timeline_url(world)))
    assert "Monday, March 9, 9:00\u202fAM · Studio on Main" in page
    assert 'value="2026-04-06T09:30"' in page
    audited = db.exec(select(AuditEvent).where(AuditEvent.action == "timeline_changed")).all()
    assert [(e.actor_id, e.cohort_id) for e in audited] == [(world.facilitator.id, world.cohort.id)]


def test_moving_session_one_moves_its_checklist_its_weeks_content_and_the_home_page(app, db, world):
    far = local_now(world.cohort) + timedelta(days=60)
    near = local_now(world.cohort) + timedelta(hours=30)
    facilitator = signed_in(app, world.facilitator)
    assert post(facilitator, timeline_url(world), {"session-1": field(far)}).status_code == 303
    made = sessions_by_number(db, world)[1]
    participant = signed_in(app, world.participant)
    zone = world.cohort.timezone

    assert participant.get(checklist_url(made)).status_code == 409
    week = page_of(participant.get("/week/3"))
    assert 'id="block-preparation"' not in week and 'id="block-integration"' not in week
    home = page_of(participant.get("/"))
    assert long_form(far.replace(tzinfo=ZoneInfo(zone)), zone) in home
    assert "Your checklist is open" not in home

    assert post(facilitator, timeline_url(world), {"session-1": field(near)}).status_code == 303
    assert sessions_by_number(db, world)[1].id == made.id  # the same session, moved
    assert participant.get(checklist_url(made)).status_code == 200
    week = page_of(participant.get("/week/3"))
    assert 'id="block-preparation"' in week and 'id="block-integration"' in week
    home = page_of(participant.get("/"))
    assert "Your next medicine session" in home
    assert long_form(near.replace(tzinfo=ZoneInfo(zone)), zone) in home
    assert long_form(far.replace(tzinfo=ZoneInfo(zone)), zone) not in home
    assert "Your checklist is open" in home


def test_an_invalid_date_is_refused_with_everything_typed_kept(app, db, world):
    add_session(db, world.cohort, datetime(2026, 3, 9, 9, 0))
    client = signed_in(app, world.facilitator)
    form = {
        "session-1": "2026-03-10T09:00",
        "place-1": "Studio on Main",
        "session-2": "2026-02-30T09:00",
    }
    response = post(client, timeline_url(world), form)
    assert response.status_code == 422
    page = page_of(response)
    assert "Please enter a date and time." in page
    assert 'value="2026-02-30T09:00"' in page
    assert 'value="2026-03-10T09:00"' in page
    assert 'value="Studio on Main"' in page
    made = sessions_by_number(db, world)
    assert {n: s.starts_local for n, s in made.items()} == {1: datetime(2026, 3, 9, 9, 0)}


def test_the_medical_lead_sees_the_timeline_but_cannot_change_it(app, db, world):
    add_session(db, world.cohort, datetime(2026, 3, 9, 9, 0))
    client = signed_in(app, world.medical)
    page = page_of(client.get(timeline_url(world)))
    assert "Monday, March 9, 9:00\u202fAM" in page
    assert "Save timeline" not in page
    assert post(client, timeline_url(world), {"session-1": "2026-03-12T09:00"}).status_code == 403
    assert sessions_by_number(db, world)[1].starts_local == datetime(2026, 3, 9, 9, 0)


def test_a_facilitator_of_another_cohort_can_neither_see_nor_change_the_timeline(app, db, world):
    client = signed_in(app, world.other_facilitator)
    assert client.get(timeline_url(world)).status_code == 403
    assert post(client, timeline_url(world), {"session-1": "2026-03-12T09:00"}).status_code == 403
    assert sessions_by_number(db, world) == {}


# --- The personal calendar feed. -------------------------------------------------------------

FEED = re.compile(r"http://localhost/calendar/([A-Za-z0-9_-]+)\.ics")


def make_feed(client) -> str:
    response = post(client, "/calendar", {"action": "create"})
    assert response.status_code == 200
    found = FEED.findall(page_of(response))
    assert len(found) == 1
    return found[0]


def feed_of(app, token: str):
    return app.test_client().get(f"/calendar/{token}.ics")  # a calendar app: no sign-in


def events(body: bytes) -> tuple[list, list]:
    parsed = Calendar.from_ical(body)
    found = list(parsed.walk("VEVENT"))
    meetings = [e for e in found if str(e["UID"]).startswith("tend-meeting-")]
    sessions = [e for e in found if str(e["UID"]).startswith("tend-session-")]
    assert len(meetings) + len(sessions) == len(found)
    return meetings, sessions


@pytest.fixture
def three_sessions(db, world):
    return [
        add_session(db, world.cohort, datetime(2026, 3, 2, 9, 0), 1, "Studio on Main"),
        add_session(db, world.cohort, datetime(2026, 4, 6, 9, 30), 2),
        add_session(db, world.cohort, datetime(2026, 5, 4, 10, 0), 3),
    ]


def test_the_feed_address_is_shown_once_and_only_its_hash_is_stored(db, participant_client, world):
    token = make_feed(participant_client)
    [feed] = db.exec(select(CalendarFeed).where(CalendarFeed.user_id == world.participant.id))
    assert feed.token_hash == token_hash(token) != token
    row = db.connection().execute(text("SELECT * FROM calendar_feed")).one()
    assert all(token not in str(value) for value in row)
    again = page_of(participant_client.get("/calendar"))
    assert FEED.search(again) is None
    assert "Make a new address" in again and "Stop the address" in again


def test_the_feed_is_a_calendar_with_a_weekly_meeting_and_the_three_sessions(
    app, db, participant_client, world, three_sessions
):
    first = world.cohort.start_date
    db.add(
        Meeting(
            cohort_id=world.cohort.id,
            weekday=2,
            starts_at="18:30",
            minutes=120,
            place="Room 4",
            first_day=first,
            last_day=first + timedelta(days=83),
        )
    )
    db.commit()
    response = feed_of(app, make_feed(participant_client))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    parsed = Calendar.from_ical(response.data)
    assert str(parsed["VERSION"]) == "2.0"
    meetings, sessions = events(response.data)

    # One repeating event for the 12 weeks, in the cohort's zone (the meetings tests follow
    # its every week, exception and time zone with a strict parser).
    [meeting] = meetings
    assert meeting["DTSTART"].params["TZID"] == world.cohort.timezone
    starts = meeting.decoded("DTSTART")
    assert (starts.weekday(), starts.time()) == (2, time(18, 30))
    assert world.cohort.start_date <= starts.date() < world.cohort.start_date + timedelta(days=7)
    assert str(meeting["LOCATION"]) == "Room 4"
    assert str(meeting["SUMMARY"]) == "Large group meeting"
    assert meeting["RRULE"]["FREQ"] == ["WEEKLY"]
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/Vancouver"]

    by_summary = {str(s["SUMMARY"]): s for s in sessions}
    assert sorted(by_summary) == ["Medicine session 1", "Medicine session 2", "Medicine session 3"]
    for made in three_sessions:
        event = by_summary[f"Medicine session {made.number}"]
        assert event["DTSTART"].params["TZID"] == "America/Vancouver"
        starts = event.decoded("DTSTART")
        assert starts.replace(tzinfo=None) == made.starts_local
        expected = made.starts_local.replace(tzinfo=ZoneInfo("America/Vancouver"))
        assert starts.utcoffset() == expected.utcoffset()
        assert starts.astimezone(UTC) == expected.astimezone(UTC)
        assert event.decoded("DTEND") - starts == timedelta(hours=4)
    assert str(by_summary["Medicine session 1"]["LOCATION"]) == "Studio on Main"
    assert "LOCATION" not in by_summary["Medicine session 2"]
    # Vancouver springs forward on 2026-03-08: session 1 is on standard time, 2 and 3 are not.
    offsets = [
        by_summary[f"Medicine session {n}"].decoded("DTSTART").utcoffset() for n in (1, 2, 3)
    ]
    assert offsets == [timedelta(hours=-8), timedelta(hours=-7), timedelta(hours=-7)]


def test_without_a_weekly_meeting_the_feed_holds_only_the_sessions(
    app, participant_client, world, three_sessions
):
    meetings, sessions = events(feed_of(app, make_feed(participant_client)).data)
    assert meetings == [] and len(sessions) == 3


def test_the_feed_holds_only_the_participants_own_cohorts_sessions(
    app, db, participant_client, world, three_sessions
):
    add_session(db, world.other_cohort, datetime(2026, 3, 10, 9, 0), 1)
    _meetings, sessions = events(feed_of(app, make_feed(participant_client)).data)
    assert sorted(str(s["UID"]) for s in sessions) == sorted(
        f"tend-session-{made.id}@tend" for made in three_sessions
    )


def test_a_stopped_address_answers_404(app, db, participant_client, world, three_sessions):
    token = make_feed(participant_client)
    assert feed_of(app, token).status_code == 200
    response = post(participant_client, "/calendar", {"action": "revoke"})
    assert response.status_code == 303
    assert "That calendar address no longer works." in page_of(
        participant_client.get(response.location)
    )
    assert feed_of(app, token).status_code == 404
    [feed] = db.exec(select(CalendarFeed))
    assert feed.revoked_at is not None


def test_making_a_new_address_stops_the_old_one(app, db, participant_client, world, three_sessions):
    old = make_feed(participant_client)
    new = make_feed(participant_client)
    assert old != new
    assert feed_of(app, old).status_code == 404
    assert feed_of(app, new).status_code == 200
    db.expire_all()
    feeds = db.exec(select(CalendarFeed).order_by(CalendarFeed.id)).all()
    assert [feed.revoked_at is not None for feed in feeds] == [True, False]


def test_a_made_up_address_answers_404(app):
    assert feed_of(app, "not-a-real-token").status_code == 404
