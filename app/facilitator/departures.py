"""Leaving a cohort: a staff member removed from its team, a participant withdrawn from it.

The cohort's facilitators and administrators decide; the person's sign-in sessions end at
once. A participant's data then follows what they chose and consented to (see
app/auth/lifecycle.py), with the consents on file shown beside the choice.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import access, audit, content, db
from app.auth import lifecycle
from app.auth.forms import ConfirmForm
from app.facilitator import bp
from app.facilitator.forms import WithdrawForm
from app.models import Role, User
from app.sessions.consent import statuses


@bp.route("/cohorts/<int:cohort_id>/people/<int:user_id>/leave", methods=["GET", "POST"])
def leave_cohort(cohort_id: int, user_id: int):
    """Remove a team member from the cohort, or withdraw a participant from it."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    person = session.get(User, user_id)
    membership = access.cohort_membership(session, person, cohort.id) if person else None
    if membership is None:
        abort(404)
    back = (
        url_for("admin.person", user_id=person.id)
        if current_user.role == Role.admin
        else url_for("facilitator.cohort_overview", cohort_id=cohort.id)
    )
    if person.id == current_user.id:
        flash(_("You cannot remove yourself. Please ask an administrator."), "error")
        return redirect(back, code=303)
    participant = membership.role == Role.participant
    form = WithdrawForm() if participant else ConfirmForm()
    if form.validate_on_submit():
        if participant:
            lifecycle.withdraw(
                session,
                current_user,
                membership,
                data_choice=form.data_choice.data,
                reason=form.reason.data,
            )
            flash(
                _(
                    "%(name)s is withdrawn from %(cohort)s.",
                    name=person.display_name,
                    cohort=cohort.name,
                ),
                "success",
            )
        else:
            lifecycle.remove_staff(session, current_user, membership)
            flash(
                _(
                    "%(name)s is no longer on the team of %(cohort)s.",
                    name=person.display_name,
                    cohort=cohort.name,
                ),
                "success",
            )
        return redirect(back, code=303)
    consents = []
    if participant:
        library = content.library()
        consents = statuses(session, library, person, cohort, cohort.default_locale)
        # Which consents are on file is the participant's data: the read is audited.
        audit.record(session, current_user, "viewed_consents", subject=person, cohort_id=cohort.id)
        session.commit()
    return render_template(
        "facilitator/leave_cohort.html",
        cohort=cohort,
        person=person,
        membership=membership,
        participant=participant,
        form=form,
        consents=consents,
        back=back,
    ), (422 if form.is_submitted() else 200)
