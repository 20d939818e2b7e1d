"""The cohort timeline (meetings and medicine sessions) and each session's readiness board."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from app import access, audit, content, db, program
from app.access import require_roles
from app.facilitator import bp
from app.meetings import services as meeting_services
from app.models import MedicineSession, Role
from app.security import wants_partial
from app.sessions import readiness

SESSIONS = (1, 2, 3)


def _parse_local(raw: str) -> datetime | None:
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None


@bp.route("/cohorts/<int:cohort_id>/timeline", methods=["GET", "POST"])
@require_roles(Role.facilitator, Role.medical, Role.admin)
def timeline(cohort_id: int):
    """The weekly meetings and the three medicine sessions, as wall-clock times in the
    cohort's zone; changing a date moves the checklist, reminders and content with it."""
    session = db.session()
    may_manage = access.may_manage_cohort(session, current_user, cohort_id)
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    existing = {
        s.number: s
        for s in session.exec(select(MedicineSession).where(MedicineSession.cohort_id == cohort.id))
    }
    errors = {}
    if request.method == "POST":
        if not may_manage:
            abort(403)
        parsed = {}
        for number in SESSIONS:
            raw = request.form.get(f"session-{number}", "")
            if raw.strip():
                parsed[number] = _parse_local(raw)
                if parsed[number] is None:
                    errors[f"session-{number}"] = _("Please enter a date and time.")
        if not errors:
            for number, starts in parsed.items():
                row = existing.get(number) or MedicineSession(
                    cohort_id=cohort.id, number=number, starts_local=starts
                )
                row.starts_local = starts
                row.place = (request.form.get(f"place-{number}") or "").strip()[:200] or None
                session.add(row)
            audit.record(session, current_user, "timeline_changed", cohort_id=cohort.id)
            session.commit()
            flash(_("The timeline is saved."), "success")
            return redirect(url_for("facilitator.timeline", cohort_id=cohort.id), 303)
    g.timezone = cohort.timezone
    return render_template(
        "facilitator/timeline.html",
        cohort=cohort,
        sessions=existing,
        numbers=SESSIONS,
        may_manage=may_manage,
        errors=errors,
        form=request.form if errors else None,
        starts={n: program.session_start(cohort, s.starts_local) for n, s in existing.items()},
        meetings=meeting_services.upcoming(
            session, cohort, meeting_services.meetings_of(session, cohort.id)
        ),
        group_names={grp.id: grp.name for grp in access.small_groups(session, cohort.id)},
    ), (422 if errors else 200)


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/board")
@require_roles(Role.facilitator, Role.medical)
def readiness_board(cohort_id: int, session_id: int):
    """Who is ready for a session; refreshes itself every 30 seconds; printable."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    medicine_session = session.get(MedicineSession, session_id)
    if medicine_session is None or medicine_session.cohort_id != cohort.id:
        abort(404)
    rows = readiness.board(session, content.library(), current_user, cohort, medicine_session)
    g.timezone = cohort.timezone
    template = "facilitator/_board.html" if wants_partial() else "facilitator/board.html"
    return render_template(
        template,
        cohort=cohort,
        medicine_session=medicine_session,
        rows=rows,
        starts=program.session_start(cohort, medicine_session.starts_local),
        show_ride=current_user.role == Role.medical,
        may_review=current_user.role == Role.medical,
    )
