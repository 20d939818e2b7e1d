"""Where notifications meet the rest of the app: the worker command, sign-out, and what the
account and flags pages include."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import Flask, current_app, request
from flask_login import current_user, user_logged_out

from app import db
from app.models import PushDevice, ReminderChoice, Role
from app.notifications import devices, reminders, status
from app.notifications.forms import ReminderForm
from app.notifications.outbox import email_available


@dataclass(frozen=True)
class AccountNotifications:
    devices: list[PushDevice]
    this_device_id: int | None
    vapid_public_key: str
    email: bool
    choice: ReminderChoice | None
    form: ReminderForm | None


def account_notifications() -> AccountNotifications:
    """What the account page shows in templates/notifications/_account.html."""
    settings = current_app.config["TEND"]
    session = db.session()
    found = devices.listed(session, current_user)
    token = request.cookies.get(devices.cookie_name(settings.production))
    this = next((d.id for d in found if devices.is_this_device(d, token)), None)
    choice = form = None
    if current_user.role == Role.participant:
        choice = reminders.choice_for(session, current_user)
        form = ReminderForm(obj=choice, formdata=None)
    return AccountNotifications(
        devices=found,
        this_device_id=this,
        vapid_public_key=settings.alerts.vapid_public_key,
        email=email_available(),
        choice=choice,
        form=form,
    )


def _forget_device_on_sign_out(_app, user=None, **_extra) -> None:
    if user is None or not getattr(user, "id", None):
        return
    token = request.cookies.get(devices.cookie_name(current_app.config["TEND"].production))
    devices.forget_this_device(db.session(), user.id, token)


def init_app(app: Flask) -> None:
    app.add_template_global(account_notifications)
    app.add_template_global(status.flag_alerts)
    user_logged_out.connect(_forget_device_on_sign_out, app)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="One pass, then exit (for cron and tests).")
    def worker_command(once: bool):
        """Deliver alerts and reminders from the outbox until stopped."""
        import logging

        from app.notifications import worker

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        worker.run(current_app._get_current_object(), once=once)
