"""Safety flags for the care team: see, acknowledge, follow up; overdue ones for admins."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import access, content, db
from app.access import require_roles
from app.facilitator import bp
from app.models import Cohort, Role
from app.questionnaires import safety


def describe_flag(flag) -> str:
    """What raised a flag, in staff's words: the instrument and the rule's own label, or the
    checklist item; never the person's free text."""
    if flag.source == "support-button":
        return _("Asked for support from the help page")
    if flag.source == "consent":
        return _("Consent withdrawn: %(title)s", title=_consent_title(flag))
    if flag.source == "checklist":
        number, _sep, item_id = (flag.rule_id or "").removeprefix("session-").partition(":")
        item = _checklist_item(flag, "pre-session", item_id)
        if item is None:
            return _(
                "Pre-session checklist: a safety item answered no (%(session)s)",
                session=flag.rule_id or "",
            )
        return _("Pre-session checklist, session %(number)s: %(item)s", number=number, item=item)
    if flag.source == "after-session":
        return _(
            "After-session check-in: %(item)s",
            item=_checklist_item(flag, "after-session", flag.rule_id or "") or flag.rule_id or "",
        )
    resolved = (
        content.get_content("questionnaire", flag.instrument_id or "", str(get_locale()), "core")
        if flag.instrument_id
        else None
    )
    if resolved is None:
        return _(
            "Questionnaire: %(instrument)s, rule %(rule)s",
            instrument=flag.instrument_id,
            rule=flag.rule_id,
        )
    definition = resolved.item.data
    rule = next((r for r in definition.flags if r.id == flag.rule_id), None)
    label = rule.label.get(resolved.item.locale, flag.rule_id) if rule else flag.rule_id
    return f"{definition.title[resolved.item.locale]}: {label}"


def _consent_title(flag) -> str:
    cohort = db.session().get(Cohort, flag.cohort_id)
    resolved = content.get_content(
        "consent", flag.rule_id or "", str(get_locale()), cohort.bundle_id if cohort else "core"
    )
    return resolved.item.data.title if resolved else (flag.rule_id or "")


def _checklist_item(flag, checklist_id: str, item_id: str) -> str | None:
    """A checklist item's short name for staff (its label, else its question)."""
    cohort = db.session().get(Cohort, flag.cohort_id)
    resolved = content.get_content(
        "checklist", checklist_id, str(get_locale()), cohort.bundle_id if cohort else "core"
    )
    if resolved is None:
        return None
    item = next((i for i in resolved.item.data.items if i.id == item_id), None)
    if item is None:
        return None
    locale = resolved.item.locale
    return item.label.get(locale) or item.text.get(locale)


def _escalate_after() -> timedelta:
    return timedelta(minutes=current_app.config["TEND"].flag_escalation_minutes)


@bp.route("/cohorts/<int:cohort_id>/flags")
@require_roles(Role.facilitator, Role.medical)
def flags(cohort_id: int):
    """Flags raised by answers or calls for support, with the instrument and rule, never text."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    rows = safety.team_flags(
        session,
        current_user,
        cohort.id,
        _escalate_after(),
        include_done=request.args.get("all") == "1",
    )
    g.timezone = cohort.timezone
    return render_template(
        "facilitator/flags.html",
        cohort=cohort,
        rows=rows,
        escalate_minutes=current_app.config["TEND"].flag_escalation_minutes,
    )


@bp.route("/cohorts/<int:cohort_id>/flags/<int:flag_id>/acknowledge", methods=["POST"])
@require_roles(Role.facilitator, Role.medical)
def acknowledge_flag(cohort_id: int, flag_id: int):
    """Say you have seen the flag and are taking it on."""
    access.cohort_for_team(db.session(), current_user, cohort_id)
    try:
        safety.acknowledge(db.session(), current_user, flag_id)
    except safety.FlagNotFound:
        abort(404)
    flash(_("Acknowledged. Please record the follow-up when it is done."), "success")
    return redirect(url_for("facilitator.flags", cohort_id=cohort_id), 303)


@bp.route("/cohorts/<int:cohort_id>/flags/<int:flag_id>/follow-up", methods=["POST"])
@require_roles(Role.facilitator, Role.medical)
def follow_up_flag(cohort_id: int, flag_id: int):
    """Record how the person was followed up; the note stays with the team."""
    access.cohort_for_team(db.session(), current_user, cohort_id)
    try:
        safety.record_follow_up(
            db.session(), current_user, flag_id, (request.form.get("note") or "")[:2000]
        )
    except safety.FlagNotFound:
        abort(404)
    flash(_("Follow-up recorded."), "success")
    return redirect(url_for("facilitator.flags", cohort_id=cohort_id), 303)


@bp.route("/overdue-flags")
@require_roles(Role.admin)
def overdue_flags():
    """For administrators: flags nobody has acknowledged in time, across every cohort."""
    rows = safety.overdue_everywhere(db.session(), current_user, _escalate_after())
    return render_template("facilitator/overdue_flags.html", rows=rows)
