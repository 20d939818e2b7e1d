"""Crisis lines from configuration, labelled in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

LINE_LABELS = {
    "988": (
        _l("9-8-8 Suicide Crisis Helpline"),
        _l("Canada-wide, any time. Call or text."),
    ),
    "bc": (_l("BC Crisis Line"), _l("British Columbia, any time.")),
    "bc-310": (
        _l("BC Mental Health Support Line"),
        _l("British Columbia, any time, for emotional support. No area code needed."),
    ),
    "quebec": (
        _l("Québec suicide prevention line (1-866-APPELLE)"),
        _l("In Québec, any time."),
    ),
    "kids-help": (
        _l("Kids Help Phone"),
        _l("For young people across Canada, any time. Call, or text CONNECT to 686868."),
    ),
    "kuu-us": (
        _l("KUU-US Crisis Line"),
        _l("For Indigenous people in British Columbia, any time."),
    ),
    "hope": (
        _l("Hope for Wellness Help Line"),
        _l("For Indigenous people across Canada, any time, in English and French."),
    ),
    "911": (_l("Emergency: 911"), _l("If you or someone else is in danger right now.")),
}


@dataclass(frozen=True)
class CrisisLine:
    key: str
    name: str
    description: str
    number: str
    tel: str
    sms: str | None
    sms_number: str | None = None


def crisis_lines() -> list[CrisisLine]:
    lines = []
    for line in current_app.config["TEND"].lines_for(str(get_locale())):
        # A deployment's file names its lines in each locale; the built-in ones translate here.
        key = line.get("key", line["number"])
        default_name, default_description = LINE_LABELS.get(key, (key, ""))
        name = line.get("name") or default_name
        description = line.get("description") or default_description
        lines.append(
            CrisisLine(
                key=key,
                name=str(name),
                description=str(description),
                number=line["number"],
                tel=line["tel"],
                sms=line.get("sms"),
                sms_number=line.get("sms_number"),
            )
        )
    return lines
