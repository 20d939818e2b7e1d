"""The administrator's people pages: every account, one person's page, and its actions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_
from sqlmodel import func, select

from app import audit, db
from app.access import require_roles
from app.admin import bp
from app.admin.audit_log import kind_label
from app.auth import lifecycle, resets
from app.auth.forms import ConfirmForm
from app.models import Cohort, Membership, Role, SmallGroup, User
from app.second_factor.state import SecondFactorState, second_factor_state

PAGE_SIZE = 50
ROLE_FILTERS = (
    Role.participant,
    Role.facilitator,
    Role.medical,
    Role.admin,
    Role.somatic,
    Role.knowledge_keeper,
)


def _arg(name: str) -> str:
    return request.form.get(name, "") if request.method == "POST" else ""


def _page_number() -> int:
    raw = _arg("page") or "1"
    return max(int(raw), 1) if raw.isdigit() and len(raw) < 7 else 1


def _int_arg(name: str) -> int | None:
    raw = _arg(name)
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@bp.route("/people", methods=["GET", "POST"])
@require_roles(Role.admin)
def people():
    """Every account, staff and participants, found by name or email and filtered.

    The filters are posted, not put in the address: a name or an email searched for stays out
    of the browser's history and of every log."""
    session = db.session()
    if request.method == "POST" and not ConfirmForm().validate_on_submit():
        abort(400)
    search = _arg("q").strip()[:100]
    role = _arg("role")
    cohort_id = _int_arg("cohort")
    status = _arg("status")
    query = select(User)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(User.display_name).like(pattern), User.email.like(pattern))
        )
    if role in ROLE_FILTERS:
        query = query.where(User.role == role)
    if cohort_id is not None:
        members = select(Membership.user_id).where(Membership.cohort_id == cohort_id)
        query = query.where(User.id.in_(members))
    if status == "active":
        query = query.where(User.active)
    elif status == "deactivated":
        query = query.where(~User.active)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = _page_number()
    found = list(
        session.exec(
            query.order_by(func.lower(User.display_name), User.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    cohorts = list(session.exec(select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id)))
    names = {c.id: c.name for c in cohorts}
    of_person: dict[int, list[str]] = {}
    if found:
        rows = session.exec(
            select(Membership.user_id, Membership.cohort_id).where(
                Membership.user_id.in_([p.id for p in found])
            )
        )
        for user_id, member_of in rows:
            of_person.setdefault(user_id, []).append(names.get(member_of, ""))
    filters = {"q": search, "role": role, "cohort": cohort_id or "", "status": status}
    return render_template(
        "admin/people.html",
        people=found,
        cohorts_of=of_person,
        cohorts=cohorts,
        roles=ROLE_FILTERS,
        filters=filters,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
    )


def _person(user_id: int) -> User:
    person = db.session().get(User, user_id)
    if person is None:
        abort(404)
    return person


def _second_factor_line(state: SecondFactorState) -> str:
    """What an administrator needs to know of someone's second factor, never a secret."""
    if not state.enrolled:
        return _("Not set")
    parts = []
    if state.passkeys:
        parts.append(ngettext("%(num)d passkey", "%(num)d passkeys", state.passkeys))
    if "totp" in state.kinds:
        parts.append(_("an authenticator app"))
    parts.append(
        ngettext(
            "%(num)d recovery code left",
            "%(num)d recovery codes left",
            state.recovery_codes_left,
        )
    )
    return " · ".join(parts)


def _render_person(person: User, *, reset_link: str | None = None, status: int = 200):
    session = db.session()
    memberships = session.exec(
        select(Membership, Cohort, SmallGroup)
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .join(SmallGroup, SmallGroup.id == Membership.small_group_id, isouter=True)
        .where(Membership.user_id == person.id)
        .order_by(Cohort.start_date.desc())
    )
    return render_template(
        "admin/person.html",
        person=person,
        memberships=list(memberships),
        events=audit.events_about(session, person.id, limit=10),
        confirm_form=ConfirmForm(),
        kind_label=kind_label,
        reset_link=reset_link,
        is_self=person.id == current_user.id,
        second_factor_state=_second_factor_line(second_factor_state(session, person)),
    ), status


@bp.route("/people/<int:user_id>")
@require_roles(Role.admin)
def person(user_id: int):
    """One person: their cohorts, their account's state and what can be done."""
    return _render_person(_person(user_id))


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
@require_roles(Role.admin)
def deactivate(user_id: int):
    """Deactivate the account: every session of theirs ends at once."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        lifecycle.deactivate(db.session(), current_user, person)
    except lifecycle.LastAdministrator:
        flash(
            _(
                "This is the only active administrator, so it cannot be deactivated. "
                "Please make another administrator first."
            ),
            "error",
        )
        return _render_person(person, status=409)
    flash(
        _("%(name)s is deactivated and signed out everywhere.", name=person.display_name), "success"
    )
    return redirect(url_for("admin.person", user_id=person.id), code=303)


@bp.route("/people/<int:user_id>/sign-out", methods=["POST"])
@require_roles(Role.admin)
def sign_out_everywhere(user_id: int):
    """End every sign-in session of the person; the account stays open."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lifecycle.sign_out_everywhere(db.session(), current_user, person)
    flash(_("%(name)s is signed out on every device.", name=person.display_name), "success")
    return redirect(url_for("admin.person", user_id=person.id), code=303)


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
@require_roles(Role.admin)
def reactivate(user_id: int):
    """Let the person sign in again."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lifecycle.reactivate(db.session(), current_user, person)
    flash(_("%(name)s can sign in again.", name=person.display_name), "success")
    return redirect(url_for("admin.person", user_id=person.id), code=303)


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
@require_roles(Role.admin)
def issue_reset_link(user_id: int):
    """A one-time link to choose a new password, shown once, to hand over like an invite."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        link = resets.issue_by_administrator(db.session(), current_user, person)
    except resets.ResetInvalid:
        flash(_("A deactivated account cannot get a reset link."), "error")
        return _render_person(person, status=409)
    return _render_person(person, reset_link=link)
