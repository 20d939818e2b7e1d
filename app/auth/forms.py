"""Forms for signing in, enrolling and managing one's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.auth.passwords import MAX_LENGTH, PasswordProblem, check_new_password
from app.text_input import one_line

PASSWORD_MESSAGES = {
    "too_short": _l("Please use at least 10 characters. A few words together work well."),
    "too_long": _l("Please use at most 256 characters."),
    "common": _l(
        "That password is one of the most common ones, so it is easy to guess. "
        "Please choose another."
    ),
    "personal": _l("Please choose a password that is not your name or email."),
}


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(_l("Please enter your email.")), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Please enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    shared_device = BooleanField(_l("This is a shared or public device"))


class NewPasswordMixin:
    def check_password_rules(self, password: str, email: str = "", name: str = "") -> None:
        try:
            check_new_password(password, email=email, name=name)
        except PasswordProblem as problem:
            raise ValidationError(PASSWORD_MESSAGES[problem.reason]) from problem


class EnrolForm(FlaskForm, NewPasswordMixin):
    code = StringField(
        _l("Invite code"),
        validators=[
            InputRequired(_l("Please enter the invite code you were given.")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Your name, as you would like the group to see it"),
        validators=[InputRequired(_l("Please tell us what to call you.")), Length(max=80)],
        filters=[one_line],
        render_kw={"autocomplete": "nickname"},
    )
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Please enter your email.")),
            Email(_l("That does not look like an email address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Choose a password"),
        validators=[InputRequired(_l("Please choose a password."))],
        render_kw={"autocomplete": "new-password", "minlength": 10},
    )

    def validate_password(self, field):
        self.check_password_rules(field.data, self.email.data or "", self.display_name.data or "")


class ChangePasswordForm(FlaskForm, NewPasswordMixin):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Please choose a new password."))],
        render_kw={"autocomplete": "new-password", "minlength": 10},
    )

    def validate_new_password(self, field):
        self.check_password_rules(field.data)


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(_l("Please enter your email.")), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "none"},
    )


class ResetPasswordForm(FlaskForm, NewPasswordMixin):
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Please choose a new password."))],
        render_kw={"autocomplete": "new-password", "minlength": 10},
    )

    def validate_new_password(self, field):
        self.check_password_rules(field.data)


DATA_CHOICES = [
    ("keep", _l("Keep my data for the program's records")),
    ("delete", _l("Delete my data")),
]


class DataChoiceMixin:
    """What happens to a participant's data when they leave: kept or deleted, and why."""

    def validate_export_offered(self, field):
        if self.data_choice.data == "delete" and not field.data:
            raise ValidationError(
                _l("Before deleting, please confirm the journal export was offered.")
            )


class CloseAccountForm(FlaskForm, DataChoiceMixin):
    password = PasswordField(
        _l("Your password, to confirm it is you"),
        validators=[InputRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    data_choice = RadioField(
        _l("What should happen to what you wrote and answered?"),
        choices=DATA_CHOICES,
        validators=[InputRequired(_l("Please choose what happens to your data."))],
    )
    export_offered = BooleanField(_l("I have saved my journal export, or I do not want it"))
    reason = TextAreaField(
        _l("Anything you would like the team to know (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
