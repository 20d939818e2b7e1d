"""The medical team records its review of a participant before a medicine session."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import access, db, program
from app.access import require_roles
from app.facilitator import bp
from app.models import MedicineSession, Role, User
from app.sessions import reviews


def _subject(session, cohort, session_id: int, user_id: int):
    """The session of this cohort and a participant of this cohort, or 404."""
    medicine_session = session.get(MedicineSession, session_id)
    if medicine_session is None or medicine_session.cohort_id != cohort.id:
        abort(404)
    person = session.get(User, user_id)
    membership = access.cohort_membership(session, person, cohort.id) if person else None
    if membership is None or membership.role != Role.participant:
        abort(404)
    return medicine_session, person


@bp.route(
    "/cohorts/<int:cohort_id>/sessions/<int:session_id>/reviews/<int:user_id>",
    methods=["GET", "POST"],
)
@require_roles(Role.medical)
def clinician_review(cohort_id: int, session_id: int, user_id: int):
    """Record the outcome the clinician chose and a note; earlier reviews are listed below."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    medicine_session, person = _subject(session, cohort, session_id, user_id)
    problems, typed = {}, {}
    if request.method == "POST":
        typed = {
            "outcome": request.form.get("outcome", ""),
            "note": (request.form.get("note") or "")[: reviews.NOTE_LIMIT],
        }
        if typed["outcome"] not in reviews.OUTCOMES:
            problems["outcome"] = _("Please choose an outcome.")
        else:
            reviews.record(
                session,
                current_user,
                cohort,
                medicine_session,
                person,
                typed["outcome"],
                typed["note"],
            )
            flash(_("Your review of %(name)s is recorded.", name=person.display_name), "success")
            return redirect(
                url_for(
                    "facilitator.readiness_board",
                    cohort_id=cohort.id,
                    session_id=medicine_session.id,
                ),
                303,
            )
    g.timezone = cohort.timezone
    return render_template(
        "facilitator/clinician_review.html",
        cohort=cohort,
        medicine_session=medicine_session,
        person=person,
        starts=program.session_start(cohort, medicine_session.starts_local),
        earlier=reviews.history(session, current_user, cohort, medicine_session, person),
        outcomes=reviews.OUTCOMES,
        problems=problems,
        typed=typed,
    ), (422 if problems else 200)
