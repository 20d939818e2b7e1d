"""Routes for the participant's weeks and practices."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import content, db
from app.access import require_roles
from app.models import Role
from app.practices import bp, services
from app.practices.forms import DoneForm, NoteForm
from app.security import wants_partial


def _locale() -> str:
    return str(get_locale())


def _open_week(number: int) -> services.WeekPage:
    try:
        return services.week_page(db.session(), content.library(), current_user, number, _locale())
    except services.WeekNotOpen:
        abort(404)


def _practice(page: services.WeekPage, practice_id: str) -> services.PracticeCard:
    try:
        return services.practice_in_week(page, practice_id)
    except services.UnknownPractice:
        abort(404)


@bp.route("/week")
@require_roles(Role.participant)
def this_week():
    """Open the current program week (or the list of weeks before the program starts)."""
    place = services.place_of(db.session(), current_user)
    if place is None or not place.position.running:
        return redirect(url_for("practices.all_weeks"))
    return redirect(url_for("practices.week", number=place.position.week))


@bp.route("/weeks")
@require_roles(Role.participant)
def all_weeks():
    """Every week's theme; past and current weeks open, future ones as titles."""
    session = db.session()
    place = services.place_of(session, current_user)
    if place is None:
        return render_template("practices/weeks.html", place=None, weeks=[], tried=0)
    return render_template(
        "practices/weeks.html",
        place=place,
        weeks=services.weeks_overview(content.library(), place, _locale()),
        tried=services.practices_tried(session, current_user, place.cohort),
    )


@bp.route("/week/<int:number>")
@require_roles(Role.participant)
def week(number: int):
    """A week: theme, teaching, intention, practices, prompts, and what comes next."""
    page = _open_week(number)
    return render_template("practices/week.html", page=page, done_form=DoneForm())


@bp.route("/week/<int:number>/practice/<practice_id>")
@require_roles(Role.participant)
def practice(number: int, practice_id: str):
    """One practice: its steps, a 'tried it' mark and a private note."""
    page = _open_week(number)
    card = _practice(page, practice_id)
    record = services.record_for(db.session(), current_user, page, practice_id)
    note_form = NoteForm(data={"note": record.note if record else ""})
    return render_template(
        "practices/practice.html", page=page, card=card, done_form=DoneForm(), note_form=note_form
    )


@bp.route("/week/<int:number>/practice/<practice_id>/done", methods=["POST"])
@require_roles(Role.participant)
def mark_done(number: int, practice_id: str):
    """Mark a practice as tried (or not); the form says which, so repeating it is harmless."""
    page = _open_week(number)
    _practice(page, practice_id)
    form = DoneForm()
    if not form.validate_on_submit():
        abort(400)
    done = form.done.data == "1"
    services.set_done(db.session(), current_user, page, practice_id, done)
    card = services.PracticeCard(practice_id, _practice(page, practice_id).content, done)
    if wants_partial():
        return render_template(
            "practices/_done_toggle.html", page=page, card=card, done_form=DoneForm()
        )
    flash(_("Marked as tried.") if done else _("Unmarked."), "success")
    return redirect(url_for("practices.practice", number=number, practice_id=practice_id), 303)


@bp.route("/week/<int:number>/practice/<practice_id>/note", methods=["POST"])
@require_roles(Role.participant)
def save_note(number: int, practice_id: str):
    """Keep a private note about a practice; only its author can read it."""
    page = _open_week(number)
    card = _practice(page, practice_id)
    note_form = NoteForm()
    if note_form.validate_on_submit():
        services.save_note(db.session(), current_user, page, practice_id, note_form.note.data or "")
        flash(_("Your note is saved."), "success")
        return redirect(url_for("practices.practice", number=number, practice_id=practice_id), 303)
    return render_template(
        "practices/practice.html", page=page, card=card, done_form=DoneForm(), note_form=note_form
    ), 422
