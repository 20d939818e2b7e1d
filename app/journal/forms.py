"""The journal entry form; the same fields arrive from autosave and the offline outbox."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.journal.services import BODY_MAX, TITLE_MAX
from app.models import Sharing

SHARING_LABELS = {
    Sharing.private: _l("Only me"),
    Sharing.facilitators: _l("Me and my small group's facilitators"),
    Sharing.group: _l("My small group (facilitators included)"),
}


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EntryForm(FlaskForm):
    client_uuid = HiddenField(validators=[InputRequired()])
    version = HiddenField()
    title = StringField(
        _l("Title (optional)"),
        validators=[Optional(), Length(max=TITLE_MAX, message=_l("Please keep the title short."))],
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )
    body = TextAreaField(
        _l("Your words"),
        validators=[
            InputRequired(_l("There is nothing to save yet. Write a few words first.")),
            Length(
                max=BODY_MAX,
                message=_l(
                    "This entry is longer than %(max)d characters. Nothing is lost: please "
                    "shorten it, or split it into two entries."
                ),
            ),
        ],
        # No maxlength: a browser would cut a long paste short without a word. The counter
        # shows the limit, and the server refuses a longer text and keeps it in the form.
        render_kw={
            "rows": 12,
            "data-counter-max": BODY_MAX,
            "spellcheck": "true",
            "maxlength": False,
        },
    )
    week = SelectField(_l("Week"), coerce=int, validators=[Optional()])
    prompt_id = SelectField(_l("Prompt (optional)"), validators=[Optional()])
    feelings = CheckboxList(_l("Feelings (optional)"), validators=[Optional()])
    sensations = CheckboxList(_l("In the body (optional)"), validators=[Optional()])
    intensity = IntegerField(
        _l("How strong is it, from 0 to 10? (optional)"),
        validators=[Optional(), NumberRange(0, 10, _l("Please use a whole number from 0 to 10."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 10},
    )
    sharing = RadioField(
        _l("Who can read this"),
        default=Sharing.private,
        choices=[(str(value), label) for value, label in SHARING_LABELS.items()],
    )
    anonymous_to_peers = BooleanField(_l("Show it to my group without my name"))


class SharingForm(FlaskForm):
    sharing = RadioField(
        _l("Who can read this"),
        choices=[(str(value), label) for value, label in SHARING_LABELS.items()],
    )
    anonymous_to_peers = BooleanField(_l("Show it to my group without my name"))
