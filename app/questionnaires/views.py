"""Routes for answering questionnaires, seeing one's own results, and asking for support."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import access, content, db
from app.access import require_roles
from app.core.services import crisis_lines
from app.models import Role
from app.questionnaires import bp, charts, engine, safety, services

REFUSALS = {
    "required": _l("This question is needed for your safety. Please answer it."),
    "not_an_option": _l("Please choose one of the answers shown."),
    "not_a_number": _l("Please enter a number."),
    "out_of_range": _l("Please enter a number in the range shown."),
    "not_a_date": _l("Please enter a date like 2026-03-14."),
    "too_long": _l("Please keep this a little shorter."),
}


def _locale() -> str:
    return str(get_locale())


def _response_or_404(response_id: int):
    try:
        return services.own_response(db.session(), current_user, response_id)
    except services.ResponseNotFound:
        abort(404)


def _instrument(response):
    resolved = content.get_content(
        "questionnaire", response.instrument_id, response.locale, response.bundle_id
    )
    if resolved is None:
        abort(404)
    return resolved


@bp.route("/")
@require_roles(Role.participant)
def index():
    """What is open for you to answer now, and what you have finished."""
    due = services.due(db.session(), content.library(), current_user, _locale())
    return render_template("questionnaires/index.html", due=due)


@bp.route("/start", methods=["POST"])
@require_roles(Role.participant)
def start():
    """Begin a questionnaire, or pick it up where you left it."""
    try:
        response = services.start(
            db.session(),
            content.library(),
            current_user,
            request.form.get("instrument", ""),
            request.form.get("administration", ""),
            _locale(),
        )
    except services.NotDue:
        abort(404)
    answers, seen = services.answers_of(db.session(), response)
    page = engine.first_unanswered_page(_instrument(response).item.data, answers, seen)
    return redirect(url_for("questionnaires.page", response_id=response.id, number=page), 303)


@bp.route("/<int:response_id>/<int:number>", methods=["GET", "POST"])
@require_roles(Role.participant)
def page(response_id: int, number: int):
    """One screen of a questionnaire; every question can be skipped unless it says so."""
    response = _response_or_404(response_id)
    if response.completed_at is not None:
        return redirect(url_for("questionnaires.done", response_id=response.id), 303)
    resolved = _instrument(response)
    instrument = resolved.item.data
    answers, _seen = services.answers_of(db.session(), response)
    screens = engine.pages(instrument, answers)
    if not 0 <= number < len(screens):
        abort(404)
    errors, confirm = {}, []
    if request.method == "POST":
        form = {item.id: request.form.getlist(item.id) for item in screens[number]}
        direction = request.form.get("go", "next")
        skipped = set(request.form.getlist("skip"))
        # A blank item that matters for safety gets one gentle screen before moving on; Back
        # never asks, and "skip anyway" goes on with the item saved as not answered.
        confirm = [
            item
            for item in screens[number]
            if item.confirm_skip
            and direction != "back"
            and item.id not in skipped
            and not any(v.strip() for v in form[item.id])
        ]
        if not confirm:
            saved = services.save_screen(
                db.session(),
                response,
                instrument,
                screens[number],
                form,
                moving_on=direction != "back",
            )
            errors = saved.errors
        if not confirm and not errors:
            answers, _seen = services.answers_of(db.session(), response)
            screens = engine.pages(instrument, answers)
            if direction == "back":
                then = max(0, number - 1)
            elif number + 1 >= len(screens):
                services.finish(db.session(), current_user, response, instrument)
                return redirect(url_for("questionnaires.done", response_id=response.id), 303)
            else:
                then = number + 1
            if saved.urgent:
                # The crisis lines come now, before anything else; the questionnaire waits.
                return redirect(
                    url_for("questionnaires.support_for", response_id=response.id, then=then), 303
                )
            return redirect(
                url_for("questionnaires.page", response_id=response.id, number=then), 303
            )
        typed = {item_id: values for item_id, values in form.items()}
    else:
        typed = None
    return render_template(
        "questionnaires/page.html",
        response=response,
        resolved=resolved,
        instrument=instrument,
        items=screens[number],
        number=number,
        total=len(screens),
        answers=answers,
        typed=typed,
        errors={item_id: REFUSALS[reason] for item_id, reason in errors.items()},
        confirm=confirm,
        prefer_not=engine.PREFER_NOT,
    ), (422 if errors else 200)


@bp.route("/<int:response_id>/support")
@require_roles(Role.participant)
def support_for(response_id: int):
    """Straight after a risk answer is saved: the crisis lines, then a way back when ready."""
    response = _response_or_404(response_id)
    then = request.args.get("then", type=int)
    if response.completed_at is not None or then is None or then < 0:
        next_url = url_for("home.index")
    else:
        next_url = url_for("questionnaires.page", response_id=response.id, number=then)
    return render_template(
        "questionnaires/support.html",
        lines=crisis_lines(),
        from_questionnaire=True,
        continue_url=next_url,
    )


@bp.route("/<int:response_id>/done")
@require_roles(Role.participant)
def done(response_id: int):
    """After the last screen: support first when an answer asks for it, else the result."""
    response = _response_or_404(response_id)
    resolved = _instrument(response)
    if response.completed_at is None:
        return redirect(url_for("questionnaires.page", response_id=response.id, number=0), 303)
    finished = services.finish(db.session(), current_user, response, resolved.item.data)
    if finished.urgent:
        return render_template(
            "questionnaires/support.html", lines=crisis_lines(), from_questionnaire=True
        )
    due = services.due(db.session(), content.library(), current_user, _locale())
    return render_template(
        "questionnaires/done.html",
        due=due,
        next_item=services.after(due, response),
        response=response,
        resolved=resolved,
        instrument=resolved.item.data,
        result=finished.score,
        hide_numbers=session.get("hide_scores", False),
    )


@bp.route("/results")
@require_roles(Role.participant)
def results():
    """Your own results over time, in plain language, with numbers if you want them."""
    history = services.history(db.session(), content.library(), current_user, _locale())
    instruments = {
        instrument_id: content.get_content(
            "questionnaire", instrument_id, _locale(), points[-1].response.bundle_id
        )
        for instrument_id, points in history.items()
    }
    return render_template(
        "questionnaires/results.html",
        history=history,
        instruments=instruments,
        charts={
            i: charts.trend(points, instruments[i].item.data, instruments[i].item.locale)
            for i, points in history.items()
        },
        hide_numbers=session.get("hide_scores", False),
    )


@bp.route("/results/numbers", methods=["POST"])
@require_roles(Role.participant)
def toggle_numbers():
    """Show or hide the numbers on your results; plain words stay either way."""
    session["hide_scores"] = request.form.get("hide") == "1"
    return redirect(url_for("questionnaires.results"), 303)


@bp.route("/support", methods=["POST"])
@require_roles(Role.participant)
def support_now():
    """'I need support now': the care team is told at once, and crisis lines are shown."""
    membership = access.participant_membership(db.session(), current_user)
    if membership is not None:
        safety.raise_flag(
            db.session(),
            current_user,
            membership.cohort_id,
            source="support-button",
            level="urgent",
        )
        db.session().commit()
    return render_template(
        "questionnaires/support.html", lines=crisis_lines(), from_questionnaire=False
    )
