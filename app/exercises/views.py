"""Routes for the exercise library, the player, the before/after record and the history."""

from __future__ import annotations

import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import content, db
from app.access import require_roles
from app.exercises import bp, chart, services
from app.exercises.forms import RecordForm
from app.models import Role


def _locale() -> str:
    return str(get_locale())


def _resolve(exercise_id: str):
    bundle_id = services.bundle_for(db.session(), current_user)
    try:
        return services.exercise(content.library(), exercise_id, _locale(), bundle_id)
    except services.UnknownExercise:
        abort(404)


@bp.route("/")
def library():
    """Every regulation exercise; public, so it works signed out and offline."""
    bundle_id = services.bundle_for(db.session(), current_user)
    exercises = services.all_exercises(content.library(), _locale(), bundle_id)
    return render_template(
        "exercises/library.html",
        exercises=exercises,
        shelves=services.grouped_exercises(content.library(), _locale(), bundle_id),
        quick=services.quick_start(exercises),
        public_shell=True,
    )


@bp.route("/<exercise_id>")
def exercise(exercise_id: str):
    """The guided player; without JavaScript, a readable list of steps with durations."""
    resolved = _resolve(exercise_id)
    definition = resolved.item.data
    default_minutes = 3 if 3 in definition.durations else definition.durations[0]
    # Without JavaScript, Begin reloads the page with the chosen length to show its steps.
    chosen = request.args.get("minutes", type=int)
    if chosen in definition.durations:
        default_minutes = chosen
    return render_template(
        "exercises/exercise.html",
        resolved=resolved,
        definition=definition,
        text=definition.text[resolved.item.locale],
        timelines={m: services.timeline(definition, m) for m in definition.durations},
        default_minutes=default_minutes,
        public_shell=True,
    )


@bp.route("/<exercise_id>/record", methods=["GET", "POST"])
@require_roles(Role.participant)
def record(exercise_id: str):
    """Note how you felt before and after, without JavaScript. Every field is optional."""
    resolved = _resolve(exercise_id)
    definition = resolved.item.data
    form = RecordForm()
    form.minutes.choices = [(m, _("%(num)d minutes", num=m)) for m in definition.durations]
    if request.method == "GET":
        form.client_uuid.data = str(uuid.uuid4())
    if form.validate_on_submit():
        client_uuid = services.valid_uuid(form.client_uuid.data)
        if client_uuid is None:
            abort(400)
        services.save_record(
            db.session(),
            current_user,
            client_uuid=client_uuid,
            exercise_id=resolved.item.id,
            minutes=form.minutes.data,
            seconds_completed=form.minutes.data * 60,
            before=form.before.raw_data[0] if form.before.raw_data else None,
            after=form.after.raw_data[0] if form.after.raw_data else None,
        )
        flash(_("Saved. Thank you for taking this moment for yourself."), "success")
        return redirect(url_for("exercises.history"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "exercises/record.html",
        resolved=resolved,
        text=definition.text[resolved.item.locale],
        form=form,
    ), status


@bp.route("/records", methods=["POST"])
@require_roles(Role.participant)
def save_from_player():
    """Store a record sent by the player or replayed from the offline outbox, once per UUID."""
    form = request.form
    client_uuid = services.valid_uuid(form.get("client_uuid"))
    exercise_id = form.get("exercise_id", "")
    bundle_id = services.bundle_for(db.session(), current_user)
    if content.library().get("exercise", exercise_id, _locale(), bundle_id) is None:
        return jsonify(error=_("We do not know that exercise.")), 404
    try:
        minutes = int(form.get("minutes", ""))
        seconds = int(float(form.get("seconds_completed", "0")))
    except (ValueError, OverflowError):  # OverflowError: "inf" or "1e400"
        minutes = seconds = -1
    if client_uuid is None or not 1 <= minutes <= 60:
        return jsonify(error=_("This record could not be read, so it was not saved.")), 400
    saved = services.save_record(
        db.session(),
        current_user,
        client_uuid=client_uuid,
        exercise_id=exercise_id,
        minutes=minutes,
        seconds_completed=seconds,
        before=form.get("before"),
        after=form.get("after"),
    )
    body = {"stored": True, "replayed": saved.replayed, "refused": list(saved.refused_ratings)}
    if saved.refused_ratings:
        body["message"] = _(
            "Your exercise is saved. A rating was left out because it was not a whole "
            "number from 0 to 10."
        )
    return jsonify(body), 200 if saved.replayed else 201


@bp.route("/history")
@require_roles(Role.participant)
def history():
    """Your own before/after ratings over time, as a chart and in plain words."""
    points = services.history(db.session(), current_user)
    return render_template(
        "exercises/history.html",
        points=points,
        chart=chart.build(points),
        change=services.average_change(points),
    )
