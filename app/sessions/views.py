"""Routes for consents, the pre-session checklist, the check-in after, and the calendar feed."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import access, content, db
from app.access import require_roles
from app.core.services import crisis_lines
from app.models import Cohort, Role, utcnow
from app.sessions import aftercare, bp, calendar, checklist, consent

PROBLEMS = {
    "not_an_option": _l("Please choose one of the answers shown."),
    "ride_name": _l("Please add the name of the adult who will drive you home."),
    "phone": _l(
        "That does not look like a phone number. Please check it, for example 604-555-0123."
    ),
    "scale": _l("Please choose a number from 0 to 10."),
}


def _locale() -> str:
    return str(get_locale())


def _cohort() -> Cohort:
    membership = access.participant_membership(db.session(), current_user)
    if membership is None:
        abort(404)
    return db.session().get(Cohort, membership.cohort_id)


def _checklist(checklist_id: str, bundle_id: str):
    resolved = content.get_content("checklist", checklist_id, _locale(), bundle_id)
    if resolved is None:
        abort(404)
    return resolved


# ---- consent --------------------------------------------------------------------------


@bp.route("/consent")
@require_roles(Role.participant)
def consents():
    """Your consents: what you have signed, what is waiting, what you can withdraw."""
    cohort = _cohort()
    return render_template(
        "sessions/consents.html",
        statuses=consent.statuses(db.session(), content.library(), current_user, cohort, _locale()),
    )


@bp.route("/consent/<document_id>", methods=["GET", "POST"])
@require_roles(Role.participant)
def consent_document(document_id: str):
    """Read a consent in your language, answer its choice, and sign by typing your name."""
    cohort = _cohort()
    resolved = content.get_content("consent", document_id, _locale(), cohort.bundle_id)
    if resolved is None:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            consent.sign(
                db.session(),
                current_user,
                cohort.id,
                resolved,
                request.form.get("choice"),
                request.form.get("signed_name", ""),
            )
        except consent.ConsentRefused as refused:
            error = (
                _("Please type your name to sign.")
                if refused.reason == "name"
                else _("Please choose one of the answers.")
            )
        else:
            flash(_("Thank you. Your consent is recorded."), "success")
            return redirect(url_for("sessions.consents"), 303)
    return render_template(
        "sessions/consent.html",
        resolved=resolved,
        document=resolved.item.data,
        error=error,
        typed_name=request.form.get("signed_name", ""),
        chosen=request.form.get("choice"),
    ), (422 if error else 200)


@bp.route("/consent/<document_id>/withdraw", methods=["GET", "POST"])
@require_roles(Role.participant)
def withdraw_consent(document_id: str):
    """Withdraw a consent from now on, after a page that says what it changes."""
    cohort = _cohort()
    resolved = content.get_content("consent", document_id, _locale(), cohort.bundle_id)
    if resolved is None:
        abort(404)
    record = consent.on_file(db.session(), current_user, cohort.id, document_id)
    if record is None:
        flash(_("There is nothing on file to withdraw for this consent."), "info")
        return redirect(url_for("sessions.consents"), 303)
    if request.method == "GET":
        return render_template(
            "sessions/withdraw.html",
            resolved=resolved,
            document=resolved.item.data,
            record=record,
            tells_team=document_id not in consent.PRIVATE_WITHDRAWALS,
        )
    consent.withdraw(
        db.session(), current_user, cohort.id, document_id, content.library(), cohort.bundle_id
    )
    flash(_("Withdrawn. This takes effect from now on."), "success")
    return redirect(url_for("sessions.consents"), 303)


@bp.route("/consent/<document_id>/signed")
@require_roles(Role.participant)
def signed_copy(document_id: str):
    """A printable copy of what you signed."""
    cohort = _cohort()
    record = consent.current_records(db.session(), current_user, cohort.id).get(document_id)
    resolved = content.get_content(
        "consent", document_id, record.locale if record else _locale(), cohort.bundle_id
    )
    if record is None or resolved is None:
        abort(404)
    same_text = consent.text_hash(resolved) == record.text_sha256
    return render_template(
        "sessions/signed.html", record=record, resolved=resolved, same_text=same_text
    )


# ---- the pre-session checklist ---------------------------------------------------------


@bp.route("/sessions/<int:session_id>/checklist", methods=["GET", "POST"])
@require_roles(Role.participant)
def pre_session_checklist(session_id: int):
    """Get ready for a medicine session: one step at a time on a phone, or all on one page."""
    try:
        session, cohort = checklist.session_for(db.session(), current_user, session_id)
    except checklist.NotYourSession:
        abort(404)
    resolved = _checklist(checklist.PRE_SESSION, cohort.bundle_id)
    definition = resolved.item.data
    when = checklist.timing(cohort, session, definition)
    record = checklist.submission(db.session(), current_user.id, session.id)
    items = definition.items
    step = request.args.get("step", type=int)
    if step is not None and not 1 <= step <= len(items):
        abort(404)
    problems = {}
    if request.method == "POST":
        try:
            saved = checklist.save_answers(
                db.session(),
                current_user,
                session,
                cohort,
                definition,
                request.form.to_dict(),
                submit=step is None or step == len(items),
            )
        except checklist.ChecklistClosed:
            return render_template("sessions/checklist_closed.html", when=when), 409
        record, problems = saved.record, saved.problems
        if saved.crisis:
            # A risk answer: the crisis lines first, then the rest of the checklist.
            then = step + 1 if step is not None and step < len(items) else None
            return redirect(
                url_for("sessions.checklist_support", session_id=session.id, step=then), 303
            )
        if not problems:
            if step is not None and step < len(items):
                return redirect(
                    url_for("sessions.pre_session_checklist", session_id=session.id, step=step + 1),
                    303,
                )
            if record.state == "hard_stop":
                return redirect(url_for("sessions.checklist_result", session_id=session.id), 303)
            flash(
                _("Your checklist is saved. You can change it until the session starts."), "success"
            )
            return redirect(url_for("sessions.checklist_result", session_id=session.id), 303)
    elif not when.open_at(utcnow()):
        return render_template("sessions/checklist_closed.html", when=when), 409
    shown = [items[step - 1]] if step else items
    return render_template(
        "sessions/checklist.html",
        session=session,
        cohort=cohort,
        resolved=resolved,
        definition=definition,
        items=shown,
        step=step,
        total=len(items),
        when=when,
        on_the_day=when.session_day(utcnow()),
        answers=checklist.answers_of(record),
        typed=request.form if problems else None,
        problems={k: PROBLEMS[v] for k, v in problems.items()},
    ), (422 if problems else 200)


@bp.route("/sessions/<int:session_id>/checklist/support")
@require_roles(Role.participant)
def checklist_support(session_id: int):
    """Straight after a risk answer on the checklist: the crisis lines, then a way on."""
    try:
        session, _cohort = checklist.session_for(db.session(), current_user, session_id)
    except checklist.NotYourSession:
        abort(404)
    step = request.args.get("step", type=int)
    next_url = (
        url_for("sessions.pre_session_checklist", session_id=session.id, step=step)
        if step
        else url_for("sessions.checklist_result", session_id=session.id)
    )
    return render_template(
        "questionnaires/support.html",
        lines=crisis_lines(),
        from_questionnaire=True,
        continue_url=next_url,
    )


@bp.route("/sessions/<int:session_id>/checklist/result")
@require_roles(Role.participant)
def checklist_result(session_id: int):
    """Where you stand: ready, what is not yet done, or that the nurse will call you."""
    try:
        session, cohort = checklist.session_for(db.session(), current_user, session_id)
    except checklist.NotYourSession:
        abort(404)
    resolved = _checklist(checklist.PRE_SESSION, cohort.bundle_id)
    record = checklist.submission(db.session(), current_user.id, session.id)
    when = checklist.timing(cohort, session, resolved.item.data)
    on_the_day = when.session_day(utcnow())
    return render_template(
        "sessions/checklist_result.html",
        session=session,
        resolved=resolved,
        definition=resolved.item.data,
        record=record,
        state=checklist.state_now(record, resolved.item.data, when),
        on_the_day=on_the_day,
        answers=checklist.answers_of(record),
        when=when,
    )


# ---- after the session -----------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@require_roles(Role.participant)
def after_session(session_id: int):
    """How are you after the session? Open the evening of the session and the next morning."""
    try:
        session, cohort = checklist.session_for(db.session(), current_user, session_id)
    except checklist.NotYourSession:
        abort(404)
    when = aftercare.moment(cohort, session)
    if when is None:
        return render_template("sessions/check_in_closed.html"), 409
    resolved = _checklist("after-session", cohort.bundle_id)
    problems = {}
    if request.method == "POST":
        answers, problems = aftercare.parse(resolved.item.data, request.form.to_dict())
        if not problems:
            _record, urgent = aftercare.save(
                db.session(), current_user, cohort, session, resolved.item.data, when, answers
            )
            if urgent:
                return render_template(
                    "questionnaires/support.html", lines=crisis_lines(), from_questionnaire=True
                )
            flash(_("Thank you. Your team will read this."), "success")
            return redirect(url_for("home.index"), 303)
    return render_template(
        "sessions/check_in.html",
        session=session,
        resolved=resolved,
        definition=resolved.item.data,
        moment=when,
        typed=request.form,
        problems={k: PROBLEMS[v] for k, v in problems.items()},
    ), (422 if problems else 200)


# ---- calendar --------------------------------------------------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@require_roles(Role.participant)
def calendar_settings():
    """Subscribe your own calendar to the group's meetings and sessions, or stop it."""
    token = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            calendar.revoke(db.session(), current_user)
            flash(_("That calendar address no longer works."), "info")
            return redirect(url_for("sessions.calendar_settings"), 303)
        token = calendar.create_feed(db.session(), current_user)
    feed_url = url_for("sessions.calendar_feed", token=token, _external=True) if token else None
    return render_template(
        "sessions/calendar.html",
        feed_url=feed_url,
        has_feed=calendar.has_feed(db.session(), current_user),
    )


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The .ics feed itself; its address is the secret, so it works from calendar apps."""
    owner = calendar.owner_of(db.session(), token)
    if owner is None:
        abort(404)
    body = calendar.build(
        db.session(),
        owner,
        {
            "calendar": _("Tend: my group"),
            "large_group": _("Large group meeting"),
            "small_group": _("Small group meeting (%(group)s)", group="%(group)s"),
            "session": _("Medicine session %(number)s", number="%(number)s"),
        },
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="tend.ics"'
    return response
