"""The kinds of message, and what each needs at the moment it is sent.

A kind's `prepare` reads the current state (is the flag still unacknowledged, is the
checklist still open) and returns the template context, or None when the message is no
longer wanted and is cancelled instead. Kinds enqueued through `enqueue_email` by other
areas (a password reset) carry their whole context with them.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from app.models import Notification
from app.notifications import alerts, reminders

STAFF_KINDS = (alerts.FLAG_URGENT, alerts.FLAG_ESCALATION, alerts.FLAG_DIGEST)


def prepare(db: Session, notification: Notification) -> dict | None:
    stored = json.loads(notification.context or "{}")
    if notification.kind in STAFF_KINDS:
        return alerts.prepare(db, notification)
    if notification.kind == reminders.REMINDER:
        return reminders.prepare(db, notification, stored)
    return stored


def urgent(notification: Notification) -> bool:
    return notification.kind in (alerts.FLAG_URGENT, alerts.FLAG_ESCALATION)


def tag(notification: Notification) -> str:
    """The push topic and notification tag: one per cause, so a repeat replaces, not adds.
    Letters, digits and '-' only, at most 32 characters (the Topic header's rules)."""
    if notification.flag_id is not None:
        return f"tend-flag-{notification.flag_id}"
    if notification.kind == reminders.REMINDER:
        return "tend-reminder"
    return f"tend-{notification.id}"
