"""The administrator's audit view: security events and the rest of the trail, filtered, paged."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlmodel import func, select

from app import db, security_events
from app.access import require_roles
from app.admin import bp
from app.models import AuditEvent, Cohort, Role, User

PAGE_SIZE = 50
SECURITY = "security"

KIND_LABELS = {
    security_events.SIGN_IN_FAILED: _l("Sign-in did not match"),
    security_events.SIGN_IN_REFUSED: _l("Sign-in refused during a wait"),
    security_events.SIGN_IN_LOCKED: _l("Sign-in wait started"),
    security_events.SIGN_IN_UNAVAILABLE: _l("Sign-in limiter unavailable"),
    security_events.CSRF_REFUSED: _l("Form refused (expired or from elsewhere)"),
    security_events.FORBIDDEN: _l("Page refused (403)"),
    security_events.MEMBERSHIP_ADDED: _l("Joined a cohort"),
    security_events.STAFF_REMOVED: _l("Removed from a cohort's team"),
    security_events.PARTICIPANT_WITHDRAWN: _l("Withdrawn from a cohort"),
    security_events.ACCOUNT_CLOSED: _l("Closed their own account"),
    security_events.DEACTIVATED: _l("Account deactivated"),
    security_events.REACTIVATED: _l("Account reactivated"),
    security_events.RESET_REQUESTED: _l("Password reset asked for"),
    security_events.RESET_ISSUED: _l("Reset link issued by an administrator"),
    security_events.RESET_COMPLETED: _l("Password reset"),
    security_events.RESET_REFUSED: _l("Reset link refused"),
    security_events.EXPORTED: _l("Data exported"),
    security_events.SECOND_FACTOR_CHANGED: _l("Second factor changed"),
    security_events.SIGNED_IN: _l("Signed in"),
    security_events.SIGNED_OUT_BY_ADMINISTRATOR: _l("Signed out everywhere by an administrator"),
    "signed_out_everywhere": _l("Signed out everywhere"),
    "password_changed": _l("Password changed"),
}


def kind_label(action: str) -> str:
    return str(KIND_LABELS.get(action, action.replace("_", " ")))


def _day(name: str):
    raw = request.args.get(name, "")
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date() if raw else None
    except ValueError:
        return None


def _start_of(day, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


@bp.route("/audit")
@require_roles(Role.admin)
def audit_log():
    """Who did what to which account, and when; newest first."""
    session = db.session()
    kind = request.args.get("kind", SECURITY)
    person_raw = request.args.get("person", "")
    person_id = int(person_raw) if person_raw.isdigit() and len(person_raw) < 12 else None
    since, until = _day("from"), _day("to")
    tz = get_timezone()
    query = select(AuditEvent)
    if kind == SECURITY:
        query = query.where(AuditEvent.action.in_(security_events.KINDS))
    elif kind:
        query = query.where(AuditEvent.action == kind[:64])
    if person_id is not None:
        query = query.where(
            or_(AuditEvent.subject_id == person_id, AuditEvent.actor_id == person_id)
        )
    if since:
        query = query.where(AuditEvent.at >= _start_of(since, tz))
    if until:
        query = query.where(AuditEvent.at < _start_of(until + timedelta(days=1), tz))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    raw_page = request.args.get("page", "1")
    page = max(int(raw_page), 1) if raw_page.isdigit() and len(raw_page) < 7 else 1
    events = list(
        session.exec(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    ids = {e.actor_id for e in events} | {e.subject_id for e in events} | {person_id}
    ids.discard(None)
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}
    cohort_ids = {e.cohort_id for e in events if e.cohort_id}
    cohorts = (
        {c.id: c.name for c in session.exec(select(Cohort).where(Cohort.id.in_(cohort_ids)))}
        if cohort_ids
        else {}
    )
    actions = sorted(set(session.exec(select(AuditEvent.action).distinct())) | set(KIND_LABELS))
    return render_template(
        "admin/audit_log.html",
        events=events,
        people=people,
        cohorts=cohorts,
        kinds=[(a, kind_label(a)) for a in actions],
        kind_label=kind_label,
        filters={
            "kind": kind,
            "person": person_id or "",
            "from": since.isoformat() if since else "",
            "to": until.isoformat() if until else "",
        },
        person=people.get(person_id),
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
    )
