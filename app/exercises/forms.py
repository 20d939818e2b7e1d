"""The before/after record form (the no-JavaScript path; the player posts the same fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

RATING_HINT = _l(
    "0 means calm and settled, 10 means as stirred up as you can imagine. You can leave it empty."
)


class RecordForm(FlaskForm):
    client_uuid = HiddenField(validators=[InputRequired()])
    minutes = SelectField(_l("How long"), coerce=int)
    before = IntegerField(
        _l("Before: how stirred up did you feel? (0–10, optional)"),
        validators=[Optional(), NumberRange(0, 10, _l("Please use a whole number from 0 to 10."))],
        description=RATING_HINT,
        render_kw={"inputmode": "numeric", "min": 0, "max": 10},
    )
    after = IntegerField(
        _l("After: how stirred up do you feel now? (0–10, optional)"),
        validators=[Optional(), NumberRange(0, 10, _l("Please use a whole number from 0 to 10."))],
        description=RATING_HINT,
        render_kw={"inputmode": "numeric", "min": 0, "max": 10},
    )
