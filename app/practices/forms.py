"""Forms for marking a practice and keeping a private note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from app.practices.services import NOTE_MAX


class DoneForm(FlaskForm):
    done = HiddenField(validators=[AnyOf(["0", "1"])])


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("A private note (optional)"),
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("Please keep the note under %(max)d characters.")),
        ],
        description=_l("Only you can read this note."),
        render_kw={"maxlength": NOTE_MAX, "rows": 4},
    )
