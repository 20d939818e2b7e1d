"""Forms the program team uses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.auth.forms import DataChoiceMixin
from app.models import Role

ROLE_LABELS = {
    Role.participant: _l("Participant"),
    Role.therapist: _l("Therapist"),
    Role.somatic: _l("Somatic practitioner"),
    Role.knowledge_keeper: _l("Knowledge keeper or Elder"),
    Role.facilitator: _l("Facilitator"),
    Role.medical: _l("Medical team"),
}
# A cohort's facilitators bring in its participants and its wider team; who holds clinical
# or facilitating responsibility (facilitators, the medical team) is an administrator's call.
FACILITATOR_INVITES = [Role.participant, Role.therapist, Role.somatic, Role.knowledge_keeper]
ADMIN_INVITES = [*FACILITATOR_INVITES, Role.facilitator, Role.medical]


class InviteForm(FlaskForm):
    count = IntegerField(
        _l("How many codes"),
        default=1,
        validators=[
            InputRequired(_l("Please say how many codes to make.")),
            NumberRange(1, 40, _l("Please choose between 1 and 40 codes.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    small_group = SelectField(_l("Small group"), coerce=int, validators=[Optional()])
    valid_days = IntegerField(
        _l("Valid for (days)"),
        default=14,
        validators=[
            InputRequired(_l("Please say for how many days the codes work.")),
            NumberRange(1, 60, _l("Please choose between 1 and 60 days.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    label = StringField(
        _l("Note for yourself (optional)"),
        validators=[Optional(), Length(max=80)],
        description=_l("For example the person's first name. Only the team sees it."),
    )
    role = SelectField(_l("Invite as"), default=Role.participant)

    def configure(self, groups, *, may_invite_staff: bool) -> InviteForm:
        self.small_group.choices = [(0, _l("No small group yet"))] + [
            (g.id, g.name) for g in groups
        ]
        roles = ADMIN_INVITES if may_invite_staff else FACILITATOR_INVITES
        self.role.choices = [(str(r), ROLE_LABELS[r]) for r in roles]
        return self


class BundleForm(FlaskForm):
    bundle_id = SelectField(_l("Program content"))
    allow_previews = BooleanField(_l("Let participants read weeks ahead"))


class WithdrawForm(FlaskForm, DataChoiceMixin):
    """Withdrawing a participant: what their consents and they themselves asked for."""

    data_choice = RadioField(
        _l("What happens to what they wrote and answered?"),
        choices=[
            ("keep", _l("Keep it for the program's records")),
            ("delete", _l("Delete it")),
        ],
        validators=[InputRequired(_l("Please choose what happens to their data."))],
    )
    export_offered = BooleanField(_l("They were offered their journal export"))
    reason = TextAreaField(
        _l("Reason (optional)"),
        description=_l("Kept encrypted with the withdrawal. Leave it empty if unsure."),
        validators=[Optional(), Length(max=1000)],
    )
