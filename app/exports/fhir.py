"""FHIR R4: each instrument as a Questionnaire (LOINC-coded where LOINC has codes for it) and
each completed response as a QuestionnaireResponse, in one collection Bundle per cohort.

Participants are named only by their random study code (an identifier on the subject, no
Patient resource); nothing typed as free text is included. The Bundle is written as JSON a
resource at a time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from app.content.schemas import QuestionItem, Questionnaire
from app.exports import source
from app.questionnaires import engine

LOINC = "http://loinc.org"
# Tend's own identifiers are URNs: they name Tend's instruments and codes without claiming a
# web address nobody serves.
CANONICAL = "urn:tend:questionnaire:"
ANSWERS = "urn:tend:answers:"
STUDY_CODE = "urn:tend:study-code"
ADMINISTRATION = "urn:tend:administration"
# A baseline finished on or after the day of the first medicine session carries this tag.
LATE_BASELINE = {
    "system": "urn:tend:baseline-timing",
    "code": "late-baseline",
    "display": "Baseline finished on or after the day of the first medicine session",
}
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TYPES = {"choice": "choice", "multi": "choice", "yesno": "boolean", "date": "date"}


def _canonical(instrument_id: str) -> str:
    return CANONICAL + instrument_id


def _name(instrument_id: str) -> str:
    # FHIR's name is computer-friendly: a capital letter, then letters, digits or _.
    return "Tend" + "".join(part.upper() for part in instrument_id.split("-"))


def _item_type(item: QuestionItem) -> str:
    if item.type == "number":
        bounds = (item.min, item.max)
        return "integer" if all(v is None or float(v).is_integer() for v in bounds) else "decimal"
    return TYPES[item.type]


def _coding(instrument_id: str, definition: Questionnaire, item: QuestionItem, value) -> dict:
    option = next(o for o in definition.response_sets[item.options] if o.value == value)
    if option.loinc:
        coding = {"system": LOINC, "code": option.loinc}
    else:
        coding = {"system": f"{ANSWERS}{instrument_id}:{item.options}", "code": str(value)}
    coding["display"] = option.text["en"]
    return coding


def questionnaire(instrument_id: str, definition: Questionnaire) -> dict:
    items = []
    for item in source.exported_items(definition):
        entry = {
            "linkId": item.id,
            "text": item.text["en"],
            "type": _item_type(item),
            "required": item.required,
        }
        if item.loinc:
            entry["code"] = [{"system": LOINC, "code": item.loinc}]
        if item.type == "multi":
            entry["repeats"] = True
        if item.type in ("choice", "multi"):
            entry["answerOption"] = []
            for option in definition.response_sets[item.options]:
                answer = {"valueCoding": _coding(instrument_id, definition, item, option.value)}
                if isinstance(option.value, int):
                    answer["extension"] = [{"url": ORDINAL, "valueDecimal": option.value}]
                entry["answerOption"].append(answer)
        items.append(entry)
    if definition.scoring.method != "none":
        total = {
            "linkId": "total",
            "text": "Total score",
            "type": "decimal",
            "readOnly": True,
        }
        if definition.loinc_total:
            total["code"] = [{"system": LOINC, "code": definition.loinc_total}]
        items.append(total)
    resource = {
        "resourceType": "Questionnaire",
        "id": f"tend-{instrument_id}",
        "url": _canonical(instrument_id),
        "version": str(definition.version),
        "name": _name(instrument_id),
        "title": definition.title["en"],
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": definition.licence,
        "item": items,
    }
    if definition.loinc:
        resource["code"] = [{"system": LOINC, "code": definition.loinc}]
    return resource


def response(instrument_id: str, definition: Questionnaire, done: source.Completed) -> dict:
    record = done.response
    items = []
    for item in source.exported_items(definition):
        value = done.answers.get(item.id)
        if value is None or value == engine.PREFER_NOT:
            continue
        if item.type == "multi":
            answers = [
                {"valueCoding": _coding(instrument_id, definition, item, v)}
                for v in value
                if v != engine.PREFER_NOT
            ]
        elif item.type == "choice":
            answers = [{"valueCoding": _coding(instrument_id, definition, item, value)}]
        elif item.type == "yesno":
            answers = [{"valueBoolean": value == "yes"}]
        elif item.type == "date":
            answers = [{"valueDate": value}]
        elif _item_type(item) == "integer":
            answers = [{"valueInteger": int(value)}]
        else:
            answers = [{"valueDecimal": value}]
        if answers:
            items.append({"linkId": item.id, "answer": answers})
    result = engine.score(definition, done.answers)
    if result is not None and result.total is not None:
        items.append({"linkId": "total", "answer": [{"valueDecimal": result.total}]})
    completed = record.completed_at
    completed = completed if completed.tzinfo else completed.replace(tzinfo=UTC)
    tags = [{"system": ADMINISTRATION, "code": record.administration}]
    if done.late_baseline:
        tags.append(dict(LATE_BASELINE))
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(uuid.uuid4()),
        "meta": {"tag": tags},
        "questionnaire": f"{_canonical(instrument_id)}|{record.instrument_version}",
        "status": "completed",
        "subject": {"identifier": {"system": STUDY_CODE, "value": done.code}},
        "authored": completed.astimezone(UTC).isoformat(timespec="seconds"),
        "item": items,
    }


def bundle_chunks(
    instruments: list[tuple[str, Questionnaire]],
    responses: Iterable[source.Completed],
    now: datetime | None = None,
) -> Iterator[str]:
    """The Bundle's JSON text in pieces: its head, each entry, its tail."""
    now = now or datetime.now(UTC)
    head = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": now.astimezone(UTC).isoformat(timespec="seconds"),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": ['
    definitions = dict(instruments)
    first = True

    def entry(resource: dict) -> str:
        nonlocal first
        text = json.dumps(
            {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": resource}, ensure_ascii=False
        )
        text = text if first else "," + text
        first = False
        return text

    for instrument_id, definition in instruments:
        yield entry(questionnaire(instrument_id, definition))
    for done in responses:
        definition = definitions.get(done.response.instrument_id)
        if definition is not None:
            yield entry(response(done.response.instrument_id, definition, done))
    yield "]}"
