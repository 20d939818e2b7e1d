"""Evaluation exports: a FHIR R4 Bundle that a FHIR model library validates, and REDCap files
that follow REDCap's documented import rules; consenting participants only, nobody named, no
free text, every download audited, memory flat however many people."""

from __future__ import annotations

import csv
import io
import json
import re
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.exports import fhir, redcap, source
from app.models import (
    Attendance,
    AuditEvent,
    ConsentRecord,
    MedicineSession,
    Meeting,
    QuestionnaireResponse,
    StudyCode,
)
from app.questionnaires import engine, services
from tests.conftest import sign_in

SHIPPED = ROOT / "app" / "content" / "bundles"
NOTE = "Sertraline 50 mg every morning"


def definition(instrument_id: str):
    return load_library(SHIPPED).get("questionnaire", instrument_id, "en", "core").item.data


def complete(db, world, person, instrument_id, administration, answers):
    instrument = definition(instrument_id)
    response = QuestionnaireResponse(
        user_id=person.id,
        cohort_id=world.cohort.id,
        instrument_id=instrument_id,
        instrument_version=instrument.version,
        administration=administration,
        locale="en",
        bundle_id="core",
    )
    db.add(response)
    db.commit()
    items = engine.visible_items(instrument, answers)
    form = {item_id: [str(value)] for item_id, value in answers.items()}
    assert services.save_page(db, response, instrument, items, form) == {}
    services.finish(db, person, response, instrument)
    return response


def consent(db, world, person, choice="yes", withdrawn=False):
    db.add(
        ConsentRecord(
            user_id=person.id,
            cohort_id=world.cohort.id,
            document_id="research",
            version=1,
            text_sha256="0" * 64,
            locale="en",
            choice=choice,
            signed_name=person.display_name,
            withdrawn_at=datetime.now(UTC) if withdrawn else None,
        )
    )
    db.commit()


PHQ9 = {f"q{n}": v for n, v in enumerate([2, 2, 2, 2, 2, 2, 1, 1, 0, 1], start=1)}
GAD7 = {f"q{n}": v for n, v in enumerate([1, 1, 1, 1, 1, 1, 1], start=1)}


@pytest.fixture
def arranged(db, world):
    """The participant consented; Same Group never did; Other Group withdrew."""
    consent(db, world, world.participant)
    consent(db, world, world.other_group, withdrawn=True)
    complete(db, world, world.participant, "phq-9", "intake", PHQ9)
    complete(db, world, world.participant, "phq-9", "end", {**PHQ9, "q1": 0, "q2": 0})
    complete(db, world, world.participant, "gad-7", "intake", GAD7)
    complete(db, world, world.same_group, "phq-9", "intake", PHQ9)
    complete(db, world, world.other_group, "phq-9", "intake", PHQ9)
    first = world.cohort.start_date
    meeting = Meeting(
        cohort_id=world.cohort.id,
        weekday=first.weekday(),
        starts_at="18:00",
        first_day=first,
        last_day=first + timedelta(days=83),
    )
    db.add(meeting)
    db.flush()
    for week, status in enumerate(["present", "present", "excused"]):
        for person in (world.participant, world.same_group):
            db.add(
                Attendance(
                    meeting_id=meeting.id,
                    on_day=first + timedelta(days=7 * week),
                    user_id=person.id,
                    status=status,
                )
            )
    db.commit()
    return world


def download(app, world, path, person=None):
    client = app.test_client()
    sign_in(client, person or world.facilitator)
    response = client.get(f"/team/cohorts/{world.cohort.id}/exports/{path}")
    assert response.status_code == 200, response.status_code
    assert "no-store" in response.headers.get("Cache-Control", "")
    return response.get_data(as_text=True)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def private_words(world) -> list[str]:
    people = (world.participant, world.same_group, world.other_group)
    return [p.display_name for p in people] + [p.email for p in people] + [NOTE]


# ---- FHIR ------------------------------------------------------------------------------------


def test_the_fhir_bundle_validates_and_holds_only_consenting_peoples_responses(app, db, arranged):
    world = arranged
    text = download(app, world, "fhir-bundle.json", world.medical)
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    resources = [entry.resource for entry in bundle.entry]
    questionnaires = {r.id: r for r in resources if isinstance(r, FhirQuestionnaire)}
    responses = [r for r in resources if isinstance(r, FhirResponse)]
    assert set(questionnaires) == {"tend-phq-9", "tend-gad-7", "tend-pcl-5", "tend-b-ipf"}

    phq9 = questionnaires["tend-phq-9"]
    assert [(c.system, c.code) for c in phq9.code] == [("http://loinc.org", "44249-1")]
    codes = {item.linkId: item.code[0].code for item in phq9.item if item.code}
    assert codes["q1"] == "44250-9" and codes["q9"] == "44260-8" and codes["total"] == "44261-6"
    first_answers = [o.valueCoding.code for o in phq9.item[0].answerOption]
    assert first_answers == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert [(c.code) for c in questionnaires["tend-gad-7"].code] == ["69737-5"]

    [code] = db.exec(select(StudyCode.code).where(StudyCode.user_id == world.participant.id))
    assert len(responses) == 3
    assert {r.subject.identifier.value for r in responses} == {code}
    assert all(r.status == "completed" for r in responses)
    intake = next(
        r
        for r in responses
        if r.questionnaire.startswith("urn:tend:questionnaire:phq-9")
        and r.meta.tag[0].code == "intake"
    )
    answered = {item.linkId: item.answer[0] for item in intake.item}
    assert answered["q1"].valueCoding.code == "LA6570-1"  # "More than half the days"
    assert float(answered["total"].valueDecimal) == 14
    for word in private_words(world):
        assert word not in text
    assert "Patient/" not in text  # a coded identifier, never a patient record
    actions = db.exec(select(AuditEvent).where(AuditEvent.action == "exported_fhir_bundle"))
    assert [(e.actor_id, e.cohort_id) for e in actions] == [(world.medical.id, world.cohort.id)]


def test_study_codes_are_random_and_stay_the_same_in_every_export(app, db, arranged):
    world = arranged
    first = json.loads(download(app, world, "fhir-bundle.json"))
    again = json.loads(download(app, world, "fhir-bundle.json"))

    def subjects(bundle):
        return {
            e["resource"]["subject"]["identifier"]["value"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "QuestionnaireResponse"
        }

    assert subjects(first) == subjects(again)
    [code] = subjects(first)
    assert re.fullmatch(r"T[A-HJ-NP-Z2-9]{9}", code)
    # Drawn at random from letters and digits, not a number made from the account (a digit of
    # the id may well appear by chance: the chance of nine digits alone is about 5 in 10^6).
    assert not code[1:].isdigit()


# ---- REDCap ----------------------------------------------------------------------------------

# REDCap's documented data dictionary rules (Data Dictionary guide and its upload checks).
FIELD_TYPES = {
    "text",
    "notes",
    "radio",
    "dropdown",
    "checkbox",
    "yesno",
    "truefalse",
    "calc",
    "file",
    "descriptive",
    "slider",
    "sql",
}
VALIDATIONS = {
    "",
    "integer",
    "number",
    "date_ymd",
    "date_mdy",
    "date_dmy",
    "datetime_ymd",
    "email",
    "phone",
    "time",
    "zipcode",
}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FORM = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_choices(cell: str) -> dict[str, str]:
    choices = {}
    for part in cell.split("|"):
        code, _, label = part.strip().partition(",")
        assert code.strip() and label.strip(), cell
        assert re.fullmatch(r"-?[A-Za-z0-9_]+", code.strip()), code
        assert code.strip() not in choices
        choices[code.strip()] = label.strip()
    return choices


def test_the_redcap_dictionary_follows_redcaps_rules(app, db, arranged):
    text = download(app, arranged, "redcap-dictionary.csv")
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == list(redcap.DICTIONARY_COLUMNS)
    rows = [dict(zip(redcap.DICTIONARY_COLUMNS, row, strict=True)) for row in reader]
    names = [r["Variable / Field Name"] for r in rows]
    assert names[0] == "record_id" and len(names) == len(set(names))
    forms_seen = []
    for row in rows:
        name, form = row["Variable / Field Name"], row["Form Name"]
        assert NAME.match(name) and "__" not in name and not name.endswith("_"), name
        assert len(name) <= 26, name
        assert FORM.match(form), form
        if form not in forms_seen:
            forms_seen.append(form)
        else:
            assert forms_seen[-1] == form, "a form's fields must be contiguous"
        assert row["Field Type"] in FIELD_TYPES
        assert row["Text Validation Type OR Show Slider Number"] in VALIDATIONS
        assert row["Field Label"].strip()
        if row["Field Type"] in ("radio", "dropdown", "checkbox"):
            parse_choices(row["Choices, Calculations, OR Slider Labels"])
        else:
            assert row["Choices, Calculations, OR Slider Labels"] == ""
        for bound in ("Text Validation Min", "Text Validation Max"):
            if row[bound]:
                assert row["Field Type"] == "text"
                float(row[bound])
    assert forms_seen == ["participant", "phq9", "gad7", "pcl5", "bipf", "attendance"]
    phq9_q1 = next(r for r in rows if r["Variable / Field Name"] == "phq9_q1")
    assert parse_choices(phq9_q1["Choices, Calculations, OR Slider Labels"]) == {
        "0": "Not at all",
        "1": "Several days",
        "2": "More than half the days",
        "3": "Nearly every day",
    }
    # No free text from any instrument file becomes a field.
    assert not any(r["Field Type"] == "notes" for r in rows)


def test_the_redcap_records_import_as_redcap_would_read_them(app, db, arranged):
    world = arranged
    dictionary = list(csv.reader(io.StringIO(download(app, world, "redcap-dictionary.csv"))))
    fields = {
        row[0]: dict(zip(redcap.DICTIONARY_COLUMNS, row, strict=True)) for row in dictionary[1:]
    }
    events = rows_of(download(app, world, "redcap-events.csv"))
    mapping = rows_of(download(app, world, "redcap-mapping.csv"))
    text = download(app, world, "redcap-records.csv")
    assert "\r\n" in text  # REDCap's own exports end lines so; it reads both
    records = rows_of(text)

    event_names = {e["unique_event_name"] for e in events}
    for event in events:
        assert re.fullmatch(r"[a-z0-9_]{1,18}_arm_1", event["unique_event_name"])
        assert event["arm_num"] == "1"
    forms_of = {}
    for row in mapping:
        assert row["unique_event_name"] in event_names
        forms_of.setdefault(row["unique_event_name"], set()).add(row["form"])
    form_of_field = {name: f["Form Name"] for name, f in fields.items()}

    header = list(records[0])
    assert header[:2] == ["record_id", "redcap_event_name"]
    for column in header[2:]:
        if column.endswith("_complete"):
            assert column[: -len("_complete")] in set(form_of_field.values())
        else:
            assert column.split("___")[0] in fields, column

    [code] = db.exec(select(StudyCode.code).where(StudyCode.user_id == world.participant.id))
    assert {r["record_id"] for r in records} == {code}
    by_event = {r["redcap_event_name"]: r for r in records}
    assert set(by_event) == {"intake_arm_1", "end_of_program_arm_1"}
    for event, record in by_event.items():
        for column, value in record.items():
            if column in ("record_id", "redcap_event_name") or value == "":
                continue
            form = (
                column[: -len("_complete")]
                if column.endswith("_complete")
                else (form_of_field[column.split("___")[0]])
            )
            assert form in forms_of[event], (event, column)
            if column.endswith("_complete"):
                assert value in ("0", "1", "2")
                continue
            field = fields[column.split("___")[0]]
            if field["Field Type"] == "radio":
                assert value in parse_choices(field["Choices, Calculations, OR Slider Labels"])
            elif field["Field Type"] in ("yesno", "checkbox"):
                assert value in ("0", "1")
            elif field["Text Validation Type OR Show Slider Number"] in ("number", "integer"):
                float(value)
    intake = by_event["intake_arm_1"]
    assert (intake["phq9_q1"], intake["phq9_total"], intake["gad7_total"]) == ("2", "14", "7")
    assert intake["phq9_complete"] == "2" and intake["pcl5_complete"] == ""
    end = by_event["end_of_program_arm_1"]
    assert end["phq9_total"] == "10"
    assert (end["meetings_present"], end["meetings_absent"], end["meetings_excused"]) == (
        "2",
        "0",
        "1",
    )
    for word in private_words(world):
        assert word not in text
    actions = {e.action for e in db.exec(select(AuditEvent))}
    assert {"exported_redcap_records", "exported_redcap_dictionary"} <= actions


def test_without_consent_the_records_hold_only_their_header(app, db, world):
    complete(db, world, world.participant, "phq-9", "intake", PHQ9)
    text = download(app, world, "redcap-records.csv")
    assert len(rows_of(text)) == 0 and text.startswith("record_id,redcap_event_name,")
    bundle = json.loads(download(app, world, "fhir-bundle.json"))
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Questionnaire"}


def test_exports_are_for_those_who_see_outcomes(app, db, world):
    for person, status in (
        (world.participant, 403),
        (world.admin, 403),
        (world.other_facilitator, 403),
        (world.medical, 200),
    ):
        client = app.test_client()
        sign_in(client, person)
        url = f"/team/cohorts/{world.cohort.id}/exports/redcap-records.csv"
        assert client.get(url).status_code == status, person.email


def test_the_exports_page_in_english_and_french(app, db, arranged):
    client = app.test_client()
    sign_in(client, arranged.facilitator)
    page = client.get(f"/team/cohorts/{arranged.cohort.id}/exports").get_data(as_text=True)
    assert "1 participant agreed" in page and "REDCap" in page
    client.post("/language", data={"locale": "fr_CA", "csrf_token": _token(client)})
    page = client.get(f"/team/cohorts/{arranged.cohort.id}/exports").get_data(as_text=True)
    assert '<html lang="fr-CA"' in page and "Exportations pour l’évaluation" in page


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client)


# ---- memory ---------------------------------------------------------------------------------


def synthetic(people: int):
    """Completed responses for `people` participants, made as they stream (no database)."""
    phq9 = definition("phq-9")
    for user_id in range(1, people + 1):
        for administration in ("intake", "end"):
            record = QuestionnaireResponse(
                id=user_id * 10 + (administration == "end"),
                user_id=user_id,
                cohort_id=1,
                instrument_id="phq-9",
                instrument_version=phq9.version,
                administration=administration,
                locale="en",
                bundle_id="core",
                completed_at=datetime(2026, 1, 5, tzinfo=UTC),
            )
            yield source.Completed(record, f"T{user_id:09d}", dict(PHQ9))


def peak_bytes(people: int, make) -> int:
    codes = {n: f"T{n:09d}" for n in range(1, people + 1)}  # an input, like the database
    tracemalloc.start()
    try:
        for _chunk in make(people, codes):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("writer", ["redcap", "fhir"])
def test_the_writers_memory_stays_flat_from_400_to_4000_participants(writer):
    instruments = [("phq-9", definition("phq-9"))]

    def make(people, codes):
        if writer == "redcap":
            return redcap.csv_lines(redcap.record_rows(instruments, synthetic(people), {}, codes))
        return fhir.bundle_chunks(instruments, synthetic(people))

    small, large = peak_bytes(400, make), peak_bytes(4000, make)
    # Ten times the people, and the peak barely moves (what is held is one person's rows).
    assert large < small * 1.5 + 64_000, (small, large)


def test_the_database_read_streams_in_batches(db, arranged):
    world = arranged
    codes = source.study_codes(db, world.cohort, source.consenting(db, world.cohort))
    found = list(source.completed(db, world.cohort, codes))
    assert [(c.response.instrument_id, c.response.administration) for c in found] == [
        ("phq-9", "intake"),
        ("phq-9", "end"),
        ("gad-7", "intake"),
    ]
    # The answers come decrypted and parsed, as the scoring reads them.
    assert found[0].answers["q1"] == 2 and found[0].answers["q10"] == 1


# ---- A late baseline, labelled in both formats -----------------------------------------------


def first_session_two_days_ago(db, world):
    starts = (datetime.now(UTC) - timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    db.add(MedicineSession(cohort_id=world.cohort.id, number=1, starts_local=starts))
    db.commit()


def test_a_late_baseline_is_a_field_of_each_form_in_redcap(app, db, arranged):
    world = arranged
    dictionary = rows_of(download(app, world, "redcap-dictionary.csv"))
    field = next(f for f in dictionary if f["Variable / Field Name"] == "phq9_late_baseline")
    assert (field["Form Name"], field["Field Type"]) == ("phq9", "yesno")
    assert "first medicine session" in field["Field Label"]
    on_time = {
        r["redcap_event_name"]: r for r in rows_of(download(app, world, "redcap-records.csv"))
    }
    assert on_time["intake_arm_1"]["phq9_late_baseline"] == "0"

    first_session_two_days_ago(db, world)
    late = {r["redcap_event_name"]: r for r in rows_of(download(app, world, "redcap-records.csv"))}
    assert late["intake_arm_1"]["phq9_late_baseline"] == "1"
    assert late["intake_arm_1"]["gad7_late_baseline"] == "1"
    # Only a baseline can be late: the end of the program leaves the field empty.
    assert late["end_of_program_arm_1"]["phq9_late_baseline"] == ""


def test_a_late_baseline_is_tagged_on_its_fhir_response(app, db, arranged):
    world = arranged
    first_session_two_days_ago(db, world)
    bundle = Bundle.model_validate_json(download(app, world, "fhir-bundle.json"))
    responses = [e.resource for e in bundle.entry if isinstance(e.resource, FhirResponse)]
    tagged = {(r.questionnaire.split("|")[0], tuple(t.code for t in r.meta.tag)) for r in responses}
    assert tagged == {
        ("urn:tend:questionnaire:phq-9", ("intake", "late-baseline")),
        ("urn:tend:questionnaire:gad-7", ("intake", "late-baseline")),
        ("urn:tend:questionnaire:phq-9", ("end",)),
    }
    late = next(t for r in responses for t in r.meta.tag if t.code == "late-baseline")
    assert late.system == "urn:tend:baseline-timing" and "first medicine session" in late.display
