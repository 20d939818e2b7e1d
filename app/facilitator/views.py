"""Cohort overview, roster and invites for the program team."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlmodel import select

from app import access, audit, db, program
from app.access import require_roles
from app.auth.forms import ConfirmForm
from app.auth.services import create_invites, invite_state, revoke_invite
from app.facilitator import bp
from app.facilitator.forms import InviteForm
from app.models import Invite, Role, SmallGroup

TEAM = (Role.facilitator, Role.medical, Role.admin)


@bp.route("/cohorts/<int:cohort_id>")
@require_roles(*TEAM)
def cohort_overview(cohort_id: int):
    """The cohort's week, small groups and who is in each."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    roster = access.roster(session, cohort.id)
    audit.record(
        session,
        current_user,
        "viewed_roster",
        cohort_id=cohort.id,
        object_type="cohort",
        object_id=cohort.id,
    )
    session.commit()
    g.timezone = cohort.timezone
    groups = access.small_groups(session, cohort.id)
    return render_template(
        "facilitator/cohort.html",
        cohort=cohort,
        position=program.position(cohort),
        groups=groups,
        roster=roster,
        group_names={grp.id: grp.name for grp in groups},
        can_manage=access.may_manage_cohort(session, current_user, cohort.id),
    )


def _invite_rows(cohort_id: int):
    session = db.session()
    query = (
        select(Invite, SmallGroup)
        .join(SmallGroup, SmallGroup.id == Invite.small_group_id, isouter=True)
        .where(Invite.cohort_id == cohort_id)
        .order_by(Invite.created_at.desc(), Invite.id.desc())
    )
    return [(invite, group, invite_state(invite)) for invite, group in session.exec(query)]


@bp.route("/cohorts/<int:cohort_id>/invites", methods=["GET", "POST"])
@require_roles(Role.facilitator, Role.admin)
def invites(cohort_id: int):
    """Make single-use invite codes for a small group, and see which are still open."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    groups = access.small_groups(session, cohort.id)
    form = InviteForm().configure(groups, may_invite_staff=current_user.role == Role.admin)
    if form.validate_on_submit():
        created = create_invites(
            session,
            current_user,
            cohort.id,
            count=form.count.data,
            small_group_id=form.small_group.data or None,
            role=Role(form.role.data),
            valid_for=timedelta(days=form.valid_days.data),
            label=form.label.data,
        )
        flash(
            ngettext(
                "%(num)d invite code is ready.", "%(num)d invite codes are ready.", len(created)
            ),
            "success",
        )
        return redirect(url_for("facilitator.invites", cohort_id=cohort.id), code=303)
    g.timezone = cohort.timezone
    status = 422 if request.method == "POST" else 200
    return render_template(
        "facilitator/invites.html",
        cohort=cohort,
        form=form,
        rows=_invite_rows(cohort.id),
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/cohorts/<int:cohort_id>/invites/print")
@require_roles(Role.facilitator, Role.admin)
def print_invites(cohort_id: int):
    """A sheet of the open codes to print and hand out, one card each."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    open_rows = [row for row in _invite_rows(cohort.id) if row[2] == "open"]
    audit.record(session, current_user, "printed_invites", cohort_id=cohort.id)
    session.commit()
    g.timezone = cohort.timezone
    return render_template(
        "facilitator/invite_sheet.html",
        cohort=cohort,
        rows=open_rows,
        enrol_url=url_for("auth.enrol", _external=True),
    )


@bp.route("/cohorts/<int:cohort_id>/invites/<int:invite_id>/revoke", methods=["POST"])
@require_roles(Role.facilitator, Role.admin)
def revoke(cohort_id: int, invite_id: int):
    """Withdraw a code that has not been used."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    invite = session.get(Invite, invite_id)
    if invite is None or invite.cohort_id != cohort.id:
        abort(404)
    revoke_invite(session, current_user, invite)
    flash(_("That code no longer works."), "info")
    return redirect(url_for("facilitator.invites", cohort_id=cohort.id), code=303)
