"""The reading room: facilitators prepare a group meeting from what the group chose to share."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import access, content, db
from app.access import require_roles
from app.facilitator import bp
from app.journal import reading_room
from app.journal.choices import vocabulary
from app.models import Role
from app.navigation import url_for_each
from app.security import wants_partial


@bp.route("/cohorts/<int:cohort_id>/reflections")
@require_roles(Role.facilitator)
def reflections(cohort_id: int):
    """Small groups you facilitate, by week, with how many shared entries you have not read."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    return render_template(
        "facilitator/reflections.html",
        cohort=cohort,
        groups=reading_room.overview(session, current_user, cohort.id),
    )


@bp.route("/cohorts/<int:cohort_id>/reflections/<int:group_id>/week/<int:week>")
@require_roles(Role.facilitator)
def reading_room_week(cohort_id: int, group_id: int, week: int):
    """Every entry one small group shared with you for a week; printable for preparation."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    printing = request.args.get("print") == "1"
    page = max(1, request.args.get("page", 1, type=int))
    try:
        shown = reading_room.group_week_page(
            session,
            current_user,
            cohort.id,
            group_id,
            week or None,
            page=page,
            page_size=None if printing else reading_room.PAGE_SIZE,
        )
    except reading_room.NotYourGroup:
        abort(403)
    g.timezone = cohort.timezone
    words = dict(vocabulary(content.library(), "feelings", str(get_locale()), cohort.bundle_id))
    return render_template(
        "facilitator/reading_room.html",
        cohort=cohort,
        group=shown.group,
        week=week,
        items=shown.reflections,
        summary=[(words.get(w, w), count) for w, count in shown.summary] if shown.summary else None,
        printing=printing,
        page=page,
        has_more=shown.has_more,
        read_url=url_for_each("facilitator.mark_reflection_read", "entry_id", cohort_id=cohort.id),
        follow_up_url=url_for_each("facilitator.follow_up", "entry_id", cohort_id=cohort.id),
        min_contributors=reading_room.MIN_CONTRIBUTORS,
        follow_up_note_max=reading_room.NOTE_MAX,
    )


@bp.route("/cohorts/<int:cohort_id>/reflections/entry/<int:entry_id>/read", methods=["POST"])
@require_roles(Role.facilitator)
def mark_reflection_read(cohort_id: int, entry_id: int):
    """Mark a shared entry as read by you."""
    session = db.session()
    access.cohort_for_team(session, current_user, cohort_id)
    try:
        entry = reading_room.mark_read(session, current_user, entry_id)
    except reading_room.NotYourGroup:
        abort(404)
    if wants_partial():
        return render_template("facilitator/_read_marker.html", read=True)
    return redirect(_back(cohort_id, entry), 303)


@bp.route("/cohorts/<int:cohort_id>/reflections/entry/<int:entry_id>/follow-up", methods=["POST"])
@require_roles(Role.facilitator)
def follow_up(cohort_id: int, entry_id: int):
    """Flag an entry for follow-up with a note only the team sees, or mark it done."""
    session = db.session()
    access.cohort_for_team(session, current_user, cohort_id)
    note = (request.form.get("note") or "")[: reading_room.NOTE_MAX]
    try:
        entry = reading_room.set_follow_up(
            session, current_user, entry_id, note, done=request.form.get("done") == "1"
        )
    except reading_room.NotYourGroup:
        abort(404)
    flash(_("Follow-up saved."), "success")
    return redirect(_back(cohort_id, entry), 303)


def _back(cohort_id: int, entry) -> str:
    return (
        url_for(
            "facilitator.reading_room_week",
            cohort_id=cohort_id,
            group_id=entry.small_group_id,
            week=entry.week or 0,
        )
        + f"#entry-{entry.id}"
    )
