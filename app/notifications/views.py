"""Routes: reminder choices and push devices on the account page, a cohort's alert
contacts for its facilitators and administrators, and the development mail page."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app import access, audit, db
from app.access import require_roles
from app.models import AlertContact, Role
from app.notifications import devices, mail, reminders
from app.notifications.forms import AlertContactForm, ReminderForm

bp = Blueprint("notifications", __name__)


def _settings():
    return current_app.config["TEND"]


@bp.route("/account/reminders", methods=["POST"])
@require_roles(Role.participant)
def save_reminders():
    """Turn reminders on or off by type, choose how they come and the quiet hours."""
    form = ReminderForm()
    if not form.validate_on_submit():
        flash(
            _("Your reminders were not changed: please give quiet hours as times such as 21:00."),
            "error",
        )
        return redirect(url_for("auth.account", _anchor="reminders"), 303)
    # Empty (not None, which the column's default would replace): no quiet hours. One time
    # without the other means none either.
    quiet_from, quiet_until = form.quiet_from.data or "", form.quiet_until.data or ""
    if not (quiet_from and quiet_until):
        quiet_from = quiet_until = ""
    reminders.save_choice(
        db.session(),
        current_user,
        **{name: getattr(form, name).data for name in reminders.TYPES},
        by_push=form.by_push.data,
        by_email=form.by_email.data,
        quiet_from=quiet_from,
        quiet_until=quiet_until,
        several_a_day=form.several_a_day.data,
    )
    flash(_("Your reminders are saved."), "success")
    return redirect(url_for("auth.account", _anchor="reminders"), 303)


@bp.route("/account/devices", methods=["POST"])
def add_device():
    """Keep this browser's push subscription (sent by static/js/push.js)."""
    try:
        subscription = devices.parse(
            request.get_json(silent=True) or {}, allow_http=not _settings().production
        )
    except devices.BadSubscription:
        return jsonify(saved=False), 400
    name = devices.cookie_name(_settings().production)
    token = request.cookies.get(name) or devices.new_device_token()
    device = devices.save(
        db.session(), current_user, token, subscription, request.headers.get("User-Agent", "")
    )
    response = jsonify(saved=True, id=device.id)
    response.status_code = 201
    response.set_cookie(
        name,
        token,
        max_age=int(timedelta(days=devices.COOKIE_DAYS).total_seconds()),
        secure=_settings().production,
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


@bp.route("/account/devices/<int:device_id>/remove", methods=["POST"])
def remove_device(device_id: int):
    """Stop notifications on one of your devices."""
    if devices.remove(db.session(), current_user, device_id):
        flash(_("That device will get no more notifications from Tend."), "success")
    else:
        flash(_("That device was already removed."), "info")
    return redirect(url_for("auth.account", _anchor="devices"), 303)


# ---- a cohort's alert contacts ---------------------------------------------------------


def _contacts(cohort_id: int) -> list[AlertContact]:
    query = (
        select(AlertContact)
        .where(AlertContact.cohort_id == cohort_id)
        .order_by(AlertContact.purpose.desc(), AlertContact.email)
    )
    return list(db.session().exec(query))


@bp.route("/team/cohorts/<int:cohort_id>/alert-contacts", methods=["GET", "POST"])
@require_roles(Role.facilitator, Role.admin)
def alert_contacts(cohort_id: int):
    """Addresses outside the team's accounts that safety alerts also go to."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    form = AlertContactForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            contact = AlertContact(
                cohort_id=cohort.id,
                purpose=form.purpose.data,
                email=form.email.data.strip().lower(),
                added_by_id=current_user.id,
            )
            session.add(contact)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                flash(_("That address is already on the list."), "info")
                return redirect(url_for(".alert_contacts", cohort_id=cohort.id), 303)
            audit.record(
                session,
                current_user,
                "alert_contact_added",
                cohort_id=cohort.id,
                object_type="alert_contact",
                object_id=contact.id,
            )
            session.commit()
            flash(
                _("Added. Safety alerts for this cohort will also go to that address."), "success"
            )
            return redirect(url_for(".alert_contacts", cohort_id=cohort.id), 303)
        status = 422
    return (
        render_template(
            "notifications/alert_contacts.html",
            cohort=cohort,
            form=form,
            contacts=_contacts(cohort.id),
            escalate_minutes=_settings().flag_escalation_minutes,
            repeat_minutes=_settings().alerts.escalation_repeat_minutes,
        ),
        status,
    )


@bp.route("/team/cohorts/<int:cohort_id>/alert-contacts/<int:contact_id>/remove", methods=["POST"])
@require_roles(Role.facilitator, Role.admin)
def remove_alert_contact(cohort_id: int, contact_id: int):
    """Take an address off the cohort's alerts."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    contact = session.get(AlertContact, contact_id)
    if contact is None or contact.cohort_id != cohort.id:
        abort(404)
    session.delete(contact)
    audit.record(
        session,
        current_user,
        "alert_contact_removed",
        cohort_id=cohort.id,
        object_type="alert_contact",
        object_id=contact_id,
    )
    session.commit()
    flash(_("Removed. That address gets no more alerts for this cohort."), "success")
    return redirect(url_for(".alert_contacts", cohort_id=cohort.id), 303)


# ---- development mail ------------------------------------------------------------------


def _dev_mailbox_only() -> str:
    """The development mailbox's folder; 404 anywhere mail really leaves (or cannot)."""
    settings = _settings()
    if not isinstance(mail.transport(settings), mail.DevMailbox):
        abort(404)
    return settings.alerts.dev_mailbox


@bp.route("/dev/mail")
def dev_mail():
    """Development only: the mail Tend would have sent, newest first."""
    found = mail.dev_messages(_dev_mailbox_only())
    return render_template("notifications/dev_mail.html", messages=found)


@bp.route("/dev/mail/<key>.html")
def dev_mail_html(key: str):
    """Development only: one message's HTML part, as a mail program would show it."""
    found = dict(mail.dev_messages(_dev_mailbox_only(), limit=500))
    message = found.get(key)
    if message is None:
        abort(404)
    part = message.get_body(("html",))
    # The message's own HTML; the app's CSP lets nothing inline in it run.
    return Response(part.get_content() if part else "", mimetype="text/html")
