"""REDCap: a data dictionary, the events of a longitudinal project, which form belongs to
which event, and a records file that REDCap's Data Import Tool accepts.

One REDCap form per instrument, one event per administration window. Field names follow
REDCap's rules: lowercase letters, digits and single underscores, starting with a letter, at
most 26 characters. Choices are written "code, label | code, label". Scores are text fields
with number validation and @READONLY, so the import carries them as computed by Tend.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from app.content.schemas import QuestionItem, Questionnaire
from app.exports import source
from app.questionnaires import engine

DICTIONARY_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
# Tend's administration windows as REDCap events (arm 1). Extra administrations the team
# opens by hand have no fixed place in a longitudinal design and stay out.
EVENTS = (
    ("intake", "Intake", "intake_arm_1"),
    ("end", "End of program", "end_of_program_arm_1"),
    ("follow-up-1m", "Follow-up 1 month", "follow_up_1_month_arm_1"),
    ("follow-up-6m", "Follow-up 6 months", "follow_up_6_months_arm_1"),
)
EVENT_OF = {administration: unique for administration, _, unique in EVENTS}
RECORD_FORM = "participant"
ATTENDANCE_FORM = "attendance"
ATTENDANCE_FIELDS = (
    ("present", "Group meetings recorded as present"),
    ("absent", "Group meetings recorded as absent"),
    ("excused", "Group meetings recorded as excused"),
)
# Whether a form's baseline was finished on or after the first medicine session: filled at
# intake only (1 or 0), empty at the other events, where a response cannot be late.
LATE_BASELINE = "late_baseline"
LATE_BASELINE_LABEL = "Baseline finished late (on or after the day of the first medicine session)"
NAME_PATTERN = re.compile(r"^[a-z](?:[a-z0-9]|_(?!_))*$")
MAX_NAME = 26


def form_name(instrument_id: str) -> str:
    """ "phq-9" → "phq9", "b-ipf" → "bipf"."""
    return re.sub(r"[^a-z0-9]", "", instrument_id.lower())


def field_name(form: str, item_id: str) -> str:
    cleaned = re.sub(r"_+", "_", re.sub(r"[^a-z0-9]", "_", item_id.lower())).strip("_")
    name = f"{form}_{cleaned}"[:MAX_NAME].rstrip("_")
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a REDCap field name")
    return name


def choice_code(value) -> str:
    text = str(value)
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _choices(definition: Questionnaire, item: QuestionItem) -> str:
    options = definition.response_sets[item.options]
    return " | ".join(f"{choice_code(o.value)}, {_one_line(o.text['en'])}" for o in options)


def _one_line(text: str) -> str:
    # A "|" would split a choice list; line breaks end a CSV cell for some readers.
    return " ".join(text.replace("|", "/").split())


def _dictionary_row(**cells) -> list[str]:
    keys = (
        "name",
        "form",
        "section",
        "type",
        "label",
        "choices",
        "note",
        "validation",
        "minimum",
        "maximum",
        "identifier",
        "branching",
        "required",
        "alignment",
        "number",
        "matrix",
        "ranking",
        "annotation",
    )
    return [str(cells.get(key, "") or "") for key in keys]


def dictionary_rows(instruments: list[tuple[str, Questionnaire]]) -> Iterator[list[str]]:
    yield list(DICTIONARY_COLUMNS)
    yield _dictionary_row(
        name="record_id",
        form=RECORD_FORM,
        type="text",
        label="Study code (random; names no one)",
    )
    for instrument_id, definition in instruments:
        form = form_name(instrument_id)
        first = True
        for item in source.exported_items(definition):
            row = {
                "name": field_name(form, item.id),
                "form": form,
                "label": _one_line(item.text["en"]),
                "section": _one_line(definition.title["en"]) if first else "",
                "annotation": "@READONLY",
            }
            first = False
            if item.type == "choice":
                row.update(type="radio", choices=_choices(definition, item))
            elif item.type == "multi":
                row.update(type="checkbox", choices=_choices(definition, item))
            elif item.type == "yesno":
                row.update(type="yesno")
            elif item.type == "number":
                integers = all(v is None or float(v).is_integer() for v in (item.min, item.max))
                row.update(
                    type="text",
                    validation="integer" if integers else "number",
                    minimum=_number(item.min),
                    maximum=_number(item.max),
                )
            elif item.type == "date":
                row.update(type="text", validation="date_ymd")
            yield _dictionary_row(**row)
        if definition.scoring.method != "none":
            low, high = definition.scoring.range or (None, None)
            yield _dictionary_row(
                name=field_name(form, "total"),
                form=form,
                type="text",
                label=f"{_one_line(definition.title['en'])}: total score",
                note="Scored by Tend by the instrument's rule (prorated where its manual allows).",
                validation="number",
                minimum=_number(low),
                maximum=_number(high),
                annotation="@READONLY",
            )
            for subscale in definition.scoring.subscales:
                yield _dictionary_row(
                    name=field_name(form, subscale.id),
                    form=form,
                    type="text",
                    label=_one_line(subscale.label["en"]),
                    validation="number",
                    annotation="@READONLY",
                )
        yield _dictionary_row(
            name=field_name(form, LATE_BASELINE),
            form=form,
            type="yesno",
            label=LATE_BASELINE_LABEL,
            note="Set at intake only; the outcomes CSV's late_baseline column says the same.",
            annotation="@READONLY",
        )
    for key, label in ATTENDANCE_FIELDS:
        yield _dictionary_row(
            name=f"meetings_{key}",
            form=ATTENDANCE_FORM,
            type="text",
            label=label,
            validation="integer",
            minimum="0",
            annotation="@READONLY",
        )


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def events_rows() -> Iterator[list[str]]:
    yield ["event_name", "arm_num", "unique_event_name"]
    for _administration, name, unique in EVENTS:
        yield [name, "1", unique]


def mapping_rows(instruments: list[tuple[str, Questionnaire]]) -> Iterator[list[str]]:
    yield ["arm_num", "unique_event_name", "form"]
    for _administration, _name, unique in EVENTS:
        yield ["1", unique, RECORD_FORM]
        for instrument_id, _definition in instruments:
            yield ["1", unique, form_name(instrument_id)]
    yield ["1", EVENT_OF["end"], ATTENDANCE_FORM]


def record_columns(instruments: list[tuple[str, Questionnaire]]) -> list[str]:
    """The import file's header: record id, event, then each field (a checkbox one column
    per choice, as field___code) and each form's completion status."""
    columns = ["record_id", "redcap_event_name", f"{RECORD_FORM}_complete"]
    for instrument_id, definition in instruments:
        form = form_name(instrument_id)
        for item in source.exported_items(definition):
            name = field_name(form, item.id)
            if item.type == "multi":
                columns += [
                    f"{name}___{choice_code(o.value)}"
                    for o in definition.response_sets[item.options]
                ]
            else:
                columns.append(name)
        if definition.scoring.method != "none":
            columns.append(field_name(form, "total"))
            columns += [field_name(form, s.id) for s in definition.scoring.subscales]
        columns.append(field_name(form, LATE_BASELINE))
        columns.append(f"{form}_complete")
    columns += [f"meetings_{key}" for key, _ in ATTENDANCE_FIELDS]
    columns.append(f"{ATTENDANCE_FORM}_complete")
    return columns


def _values(form: str, definition: Questionnaire, done: source.Completed) -> dict[str, str]:
    answers = done.answers
    values = {}
    for item in source.exported_items(definition):
        name = field_name(form, item.id)
        answer = answers.get(item.id)
        if item.type == "multi":
            chosen = {choice_code(v) for v in (answer or []) if v != engine.PREFER_NOT}
            for option in definition.response_sets[item.options]:
                code = choice_code(option.value)
                values[f"{name}___{code}"] = "1" if code in chosen else "0"
        elif answer is None or answer == engine.PREFER_NOT:
            values[name] = ""
        elif item.type == "yesno":
            values[name] = "1" if answer == "yes" else "0"
        elif item.type == "choice":
            values[name] = choice_code(answer)
        else:
            values[name] = str(answer)
    result = engine.score(definition, answers)
    if result is not None:
        values[field_name(form, "total")] = "" if result.total is None else f"{result.total:g}"
        for subscale in definition.scoring.subscales:
            score = result.subscales.get(subscale.id)
            values[field_name(form, subscale.id)] = "" if score is None else f"{score:g}"
    if done.response.administration == "intake":
        values[field_name(form, LATE_BASELINE)] = "1" if done.late_baseline else "0"
    values[f"{form}_complete"] = "2"
    return values


def record_rows(
    instruments: list[tuple[str, Questionnaire]],
    responses: Iterable[source.Completed],
    attendance: dict[int, dict[str, int]],
    codes: dict[int, str],
) -> Iterator[list[str]]:
    """One row per participant and event, in the order the responses stream (by person), so
    only one person's rows are held at a time."""
    columns = record_columns(instruments)
    yield columns
    forms = {instrument_id: (form_name(instrument_id), d) for instrument_id, d in instruments}
    person, rows = None, {}

    def flush(user_id):
        if user_id in attendance:
            end = rows.setdefault(EVENT_OF["end"], {})
            for key, _ in ATTENDANCE_FIELDS:
                end[f"meetings_{key}"] = str(attendance[user_id].get(key, 0))
            end[f"{ATTENDANCE_FORM}_complete"] = "2"
        for _administration, _name, unique in EVENTS:
            if unique in rows:
                values = {
                    "record_id": codes[user_id],
                    "redcap_event_name": unique,
                    f"{RECORD_FORM}_complete": "2",
                    **rows[unique],
                }
                yield [values.get(column, "") for column in columns]

    # Who has attendance but no completed questionnaire: their end row comes last.
    remaining = set(attendance)
    for done in responses:
        response = done.response
        if response.user_id != person:
            if person is not None:
                yield from flush(person)
            person, rows = response.user_id, {}
            remaining.discard(person)
        event = EVENT_OF.get(response.administration)
        if event is None or response.instrument_id not in forms:
            continue
        form, definition = forms[response.instrument_id]
        rows.setdefault(event, {}).update(_values(form, definition, done))
    if person is not None:
        yield from flush(person)
    # People with attendance but no completed questionnaire still have their end row.
    for user_id in sorted(remaining, key=codes.__getitem__):
        person, rows = user_id, {}
        yield from flush(user_id)


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text, one line at a time, as REDCap reads it (comma-separated, quoted as needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
