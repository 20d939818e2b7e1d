"""Forms of the second-factor step and its settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class CodeForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[InputRequired(_l("Please enter the code your app shows.")), Length(max=12)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )


class RecoveryForm(FlaskForm):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[
            InputRequired(_l("Please enter one of your recovery codes.")),
            Length(max=24),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
