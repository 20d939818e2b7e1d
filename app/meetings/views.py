"""Meetings for the team (set them, cancel or move a week, take attendance) and for the
participant (when the group meets, and their own attendance)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app import access, db, program
from app.access import require_roles
from app.meetings import bp, services
from app.models import Cohort, Meeting, MeetingChange, Role

WIDER_TEAM = (
    Role.facilitator,
    Role.medical,
    Role.admin,
    Role.somatic,
    Role.knowledge_keeper,
)

PROBLEMS = {
    "group": _l("Please choose one of the cohort's small groups, or the large group."),
    "weekday": _l("Please choose a day of the week."),
    "time": _l("Please enter a time like 18:30."),
    "minutes": _l("Please enter how long it lasts, between 15 and 600 minutes."),
    "too_long": _l("Please keep this under 200 characters."),
    "link": _l("Please enter a video link that starts with https://."),
    "day": _l("Please enter a date."),
    "order": _l("The last day comes after the first."),
    "not_held": _l("Please choose a day this meeting is held on."),
    "kind": _l("Please choose whether the meeting is cancelled or moved."),
}


def _problems(error: services.MeetingProblem) -> dict[str, str]:
    return {name: str(PROBLEMS[key]) for name, key in error.problems.items()}


def _may_manage(cohort: Cohort) -> bool:
    return access.may_manage_cohort(db.session(), current_user, cohort.id)


def _meeting_of(cohort: Cohort, meeting_id: int) -> Meeting:
    meeting = db.session().get(Meeting, meeting_id)
    if meeting is None or meeting.cohort_id != cohort.id:
        abort(404)
    return meeting


def _page(cohort: Cohort, *, form=None, problems=None, status: int = 200):
    session = db.session()
    meetings = services.meetings_of(session, cohort.id)
    changes = services.changes_of(session, meetings)
    groups = access.small_groups(session, cohort.id)
    g.timezone = cohort.timezone
    return render_template(
        "meetings/cohort.html",
        cohort=cohort,
        meetings=meetings,
        changes=changes,
        occurrences={m.id: services.occurrences(cohort, m, changes[m.id]) for m in meetings},
        groups=groups,
        group_names={grp.id: grp.name for grp in groups},
        may_manage=_may_manage(cohort),
        form=form,
        problems=problems or {},
        defaults=services.program_days(cohort),
    ), status


@bp.route("/team/cohorts/<int:cohort_id>/meetings", methods=["GET", "POST"])
@require_roles(*WIDER_TEAM)
def cohort_meetings(cohort_id: int):
    """The large group's and each small group's weekly meeting; facilitators add one."""
    session = db.session()
    cohort, _role = access.cohort_for_wider_team(session, current_user, cohort_id)
    if request.method == "POST":
        if not _may_manage(cohort):
            abort(403)
        groups = access.small_groups(session, cohort.id)
        try:
            values = services.parse_meeting(cohort, groups, request.form)
        except services.MeetingProblem as error:
            return _page(cohort, form=request.form, problems=_problems(error), status=422)
        services.save_meeting(session, current_user, cohort, values)
        flash(_("The meeting is saved."), "success")
        return redirect(url_for("meetings.cohort_meetings", cohort_id=cohort.id), 303)
    return _page(cohort)


@bp.route("/team/cohorts/<int:cohort_id>/meetings/<int:meeting_id>", methods=["GET", "POST"])
@require_roles(Role.facilitator, Role.admin)
def edit_meeting(cohort_id: int, meeting_id: int):
    """Change a meeting's day, time, place or weeks, and cancel or move single weeks."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    meeting = _meeting_of(cohort, meeting_id)
    groups = access.small_groups(session, cohort.id)
    problems, form, change_form, change_problems = {}, None, None, {}
    if request.method == "POST":
        try:
            values = services.parse_meeting(cohort, groups, request.form)
        except services.MeetingProblem as error:
            problems, form = _problems(error), request.form
        else:
            services.save_meeting(session, current_user, cohort, values, meeting)
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("meetings.cohort_meetings", cohort_id=cohort.id), 303)
    return _edit_page(cohort, meeting, groups, form, problems, change_form, change_problems)


def _edit_page(cohort, meeting, groups, form, problems, change_form, change_problems):
    session = db.session()
    changes = services.changes_of(session, [meeting])[meeting.id]
    g.timezone = cohort.timezone
    failed = bool(problems or change_problems)
    return render_template(
        "meetings/edit.html",
        cohort=cohort,
        meeting=meeting,
        groups=groups,
        group_names={grp.id: grp.name for grp in groups},
        form=form,
        problems=problems,
        change_form=change_form,
        change_problems=change_problems,
        occurrences=services.occurrences(cohort, meeting, changes),
        changes=sorted(changes.values(), key=lambda c: c.on_day),
        moved_starts={
            c.id: program.session_start(cohort, c.moved_to) for c in changes.values() if c.moved_to
        },
        defaults=services.program_days(cohort),
    ), (422 if failed else 200)


@bp.route("/team/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/remove", methods=["POST"])
@require_roles(Role.facilitator, Role.admin)
def remove_meeting(cohort_id: int, meeting_id: int):
    """Remove a meeting, its exceptions and its attendance."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    services.delete_meeting(session, current_user, _meeting_of(cohort, meeting_id))
    flash(_("The meeting is removed."), "info")
    return redirect(url_for("meetings.cohort_meetings", cohort_id=cohort.id), 303)


@bp.route("/team/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/changes", methods=["POST"])
@require_roles(Role.facilitator, Role.admin)
def change_week(cohort_id: int, meeting_id: int):
    """Cancel one week's meeting, or move it to another day, time or place."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    meeting = _meeting_of(cohort, meeting_id)
    try:
        services.save_change(session, current_user, cohort, meeting, request.form)
    except services.MeetingProblem as error:
        groups = access.small_groups(session, cohort.id)
        return _edit_page(cohort, meeting, groups, None, {}, request.form, _problems(error))
    flash(_("That week is changed. Calendars follow on their next refresh."), "success")
    return redirect(
        url_for("meetings.edit_meeting", cohort_id=cohort.id, meeting_id=meeting.id), 303
    )


@bp.route(
    "/team/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/changes/<int:change_id>/remove",
    methods=["POST"],
)
@require_roles(Role.facilitator, Role.admin)
def undo_change(cohort_id: int, meeting_id: int, change_id: int):
    """Hold that week's meeting as usual again."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    meeting = _meeting_of(cohort, meeting_id)
    change = session.get(MeetingChange, change_id)
    if change is None or change.meeting_id != meeting.id:
        abort(404)
    services.remove_change(session, current_user, cohort, change)
    flash(_("That week's meeting is back as usual."), "info")
    return redirect(
        url_for("meetings.edit_meeting", cohort_id=cohort.id, meeting_id=meeting.id), 303
    )


# ---- attendance ------------------------------------------------------------------------------


@bp.route("/team/cohorts/<int:cohort_id>/attendance")
@require_roles(*WIDER_TEAM)
def attendance(cohort_id: int):
    """The meeting happening now and past ones, to take or correct attendance."""
    session = db.session()
    cohort, _role = access.cohort_for_wider_team(session, current_user, cohort_id)
    meetings = [
        m
        for m in services.meetings_of(session, cohort.id)
        if services.may_take_attendance(session, current_user, cohort, m)
    ]
    found = services.takeable(session, cohort, meetings)
    taken = services.taken_days(session, meetings)
    g.timezone = cohort.timezone
    return render_template(
        "meetings/attendance.html",
        cohort=cohort,
        occurrences=found,
        taken=taken,
        group_names={grp.id: grp.name for grp in access.small_groups(session, cohort.id)},
    )


@bp.route(
    "/team/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/attendance/<day>",
    methods=["GET", "POST"],
)
@require_roles(*WIDER_TEAM)
def take_attendance(cohort_id: int, meeting_id: int, day: str):
    """Everyone present unless marked otherwise; one tap changes a person."""
    session = db.session()
    cohort, role = access.cohort_for_wider_team(session, current_user, cohort_id)
    meeting = _meeting_of(cohort, meeting_id)
    if not services.may_take_attendance(session, current_user, cohort, meeting):
        abort(403)
    try:
        occurrence = services.occurrence_on(session, cohort, meeting, date.fromisoformat(day))
    except (ValueError, services.NotAnOccurrence):
        abort(404)
    people = services.expected(session, meeting)
    if request.method == "POST":
        statuses = {p.id: request.form.get(f"person-{p.id}", "present") for p in people}
        try:
            count = services.record_attendance(session, current_user, cohort, occurrence, statuses)
        except services.AttendanceNotOpen:
            flash(_("Attendance opens half an hour before the meeting starts."), "error")
            return redirect(url_for("meetings.attendance", cohort_id=cohort.id), 303)
        flash(
            ngettext(
                "Attendance is saved for %(num)d person.",
                "Attendance is saved for %(num)d people.",
                count,
            ),
            "success",
        )
        return redirect(url_for("meetings.attendance", cohort_id=cohort.id), 303)
    services.audit_attendance_read(session, current_user, cohort, occurrence)
    recorded = services.recorded(session, meeting, occurrence.on_day)
    g.timezone = cohort.timezone
    group_names = {grp.id: grp.name for grp in access.small_groups(session, cohort.id)}
    return render_template(
        "meetings/take.html",
        cohort=cohort,
        occurrence=occurrence,
        people=people,
        recorded=recorded,
        statuses=services.STATUSES,
        group_name=group_names.get(meeting.small_group_id),
        needs_attention=(
            set()
            if role == Role.knowledge_keeper
            else services.needs_attention(session, cohort, people)
        ),
    )


# ---- the participant's own -------------------------------------------------------------------


@bp.route("/meetings")
@require_roles(Role.participant)
def my_meetings():
    """When the group meets, and the meetings you were at (yours only)."""
    session = db.session()
    membership = access.participant_membership(session, current_user)
    if membership is None:
        return render_template("meetings/mine.html", cohort=None)
    cohort = session.get(Cohort, membership.cohort_id)
    meetings = services.participant_meetings(session, membership)
    g.timezone = cohort.timezone
    group_names = {grp.id: grp.name for grp in access.small_groups(session, cohort.id)}
    return render_template(
        "meetings/mine.html",
        cohort=cohort,
        upcoming=services.upcoming(session, cohort, meetings),
        history=services.own_attendance(session, current_user, cohort.id),
        group_names=group_names,
    )
