"""Forms for reminder choices and a cohort's alert contacts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp

CLOCK = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Please give a time such as 21:00."))


class ReminderForm(FlaskForm):
    checklist_open = BooleanField(_l("When the checklist for a medicine session opens"))
    evening_before = BooleanField(_l("The evening before a medicine session"))
    weekly_practice = BooleanField(_l("When this week's practice is ready"))
    check_in_due = BooleanField(_l("When a check-in is waiting for you"))
    by_push = BooleanField(_l("As a notification on devices where you turned them on"))
    by_email = BooleanField(_l("By email"))
    quiet_from = StringField(
        _l("Quiet from"),
        validators=[Optional(), CLOCK],
        render_kw={"type": "time", "inputmode": "numeric"},
    )
    quiet_until = StringField(
        _l("Quiet until"),
        validators=[Optional(), CLOCK],
        render_kw={"type": "time", "inputmode": "numeric"},
    )
    several_a_day = BooleanField(_l("More than one reminder on the same day is fine"))


class AlertContactForm(FlaskForm):
    purpose = RadioField(
        _l("What this address is for"),
        choices=[
            ("on_call", _l("On call: told at once about every urgent flag")),
            ("escalation", _l("Escalation: told when an urgent flag waits too long")),
        ],
        default="on_call",
        validators=[InputRequired(_l("Please choose what the address is for."))],
    )
    email = EmailField(
        _l("Email address"),
        # A pasted address often brings a space along.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            InputRequired(_l("Please enter an email address.")),
            Email(
                _l("Please enter an email address such as oncall@example.org."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "autocapitalize": "none"},
    )
