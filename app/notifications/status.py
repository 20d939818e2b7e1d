"""What the team sees of a flag's alerts on the flags page: sent, waiting, not delivered."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import g
from sqlmodel import Session, select

from app.models import Delivery, Notification, User
from app.notifications.alerts import FLAG_ESCALATION


@dataclass
class FlagAlerts:
    sent: int = 0
    waiting: int = 0
    escalated: int = 0
    # Who an alert could not reach: a team member's name, or None for an address.
    not_delivered: list[tuple[str | None, str]] = field(default_factory=list)


def for_cohort(db: Session, cohort_id: int) -> dict[int, FlagAlerts]:
    query = (
        select(
            Notification.flag_id,
            Notification.kind,
            Notification.channel,
            Notification.status,
            Notification.address,
            User.display_name,
        )
        .outerjoin(User, User.id == Notification.user_id)
        .where(Notification.cohort_id == cohort_id, Notification.flag_id.is_not(None))
        .order_by(Notification.id)
    )
    found: dict[int, FlagAlerts] = defaultdict(FlagAlerts)
    for flag_id, kind, channel, status, address, name in db.exec(query):
        alerts = found[flag_id]
        if status == Delivery.sent:
            if kind == FLAG_ESCALATION:
                alerts.escalated += 1
            else:
                alerts.sent += 1
        elif status == Delivery.failed:
            alerts.not_delivered.append((name if address is None else None, channel))
        elif status in (Delivery.pending, Delivery.sending) and kind != FLAG_ESCALATION:
            alerts.waiting += 1
    return dict(found)


def flag_alerts(flag) -> FlagAlerts | None:
    """For the flags page template: loaded once per cohort and request."""
    from app import db

    cache = g.setdefault("tend_flag_alerts", {})
    if flag.cohort_id not in cache:
        cache[flag.cohort_id] = for_cohort(db.session(), flag.cohort_id)
    return cache[flag.cohort_id].get(flag.id)
