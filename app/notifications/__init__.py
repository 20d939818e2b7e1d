"""Alerts and reminders that reach people outside the app: the outbox, its worker, email and
Web Push, staff alerts for safety flags, and participants' opt-in reminders.

Kept light on purpose: the safety loop imports `app.notifications.alerts` while raising a
flag, so this package imports its views only when the app is built (`init_app`).

Public API for other areas:
- `alerts.flag_raised(db, flag)` / `alerts.flag_acknowledged(db, flag)`: the safety loop.
- `outbox.enqueue_email(db, user_or_address, kind, context)`: one email of a kind whose
  templates are `templates/notifications/<kind>.txt` and `.html`.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.notifications import hooks, outbox, views

    outbox.configure(app.config["TEND"])
    app.register_blueprint(views.bp)
    hooks.init_app(app)
