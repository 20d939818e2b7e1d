"""Forms for administrators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from app.program import valid_timezone
from app.text_input import one_line


class CohortForm(FlaskForm):
    name = StringField(
        _l("Cohort name"),
        validators=[InputRequired(_l("Please give the cohort a name.")), Length(max=120)],
        filters=[one_line],
    )
    start_date = DateField(
        _l("First day of week 1"),
        validators=[InputRequired(_l("Please enter a start date, like 2026-09-14."))],
    )
    timezone = StringField(
        _l("Time zone"),
        default="America/Vancouver",
        validators=[InputRequired(_l("Please enter a time zone.")), Length(max=64)],
        description=_l("Where the group meets, as a time zone name such as America/Vancouver."),
    )
    default_locale = SelectField(_l("Main language of the cohort"))
    bundle_id = SelectField(_l("Program content"))
    small_groups = TextAreaField(
        _l("Small groups, one name per line"),
        default="Cedar\nWillow",
        validators=[InputRequired(_l("Please name at least one small group.")), Length(max=2000)],
    )

    def validate_timezone(self, field):
        if not valid_timezone(field.data.strip()):
            raise ValidationError(_l("That is not a time zone we know. Try America/Toronto."))

    def validate_small_groups(self, field):
        names = self.group_names()
        if not names:
            raise ValidationError(_l("Please name at least one small group."))
        if len(names) != len({n.casefold() for n in names}):
            raise ValidationError(_l("Each small group needs a different name."))
        if any(len(n) > 80 for n in names):
            raise ValidationError(_l("Please keep each small group name under 80 characters."))

    def group_names(self) -> list[str]:
        return [
            one_line(line) for line in (self.small_groups.data or "").splitlines() if one_line(line)
        ]
