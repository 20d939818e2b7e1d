"""Writing to the outbox: one row per recipient and channel, in the caller's transaction.

Every alert and reminder is enqueued here, inside the transaction of what causes it (a flag,
a reminder falling due), so the cause can never be committed without its message. A unique
`dedup_key` makes enqueueing idempotent: a retried request, a second worker or a scheduler
running twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

from flask import current_app, has_app_context
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, update

from app.models import Delivery, Notification, User, utcnow

EMAIL, PUSH = "email", "push"
_configured = None


def configure(settings) -> None:
    """Remember the app's settings for code that runs outside an app context (services
    called directly, as the unit tests do); create_app calls it, as checklist.configure."""
    global _configured
    _configured = settings


def settings():
    if has_app_context():
        return current_app.config["TEND"]
    if _configured is None:
        raise RuntimeError("notifications.init_app() was not called")
    return _configured


def recipient_key(user: User | int | None = None, address: str | None = None) -> str:
    """A short stable name for a recipient inside a dedup key (an address is hashed)."""
    if user is not None:
        return f"u{user.id if isinstance(user, User) else user}"
    return "a" + hashlib.sha256((address or "").strip().lower().encode()).hexdigest()[:16]


def enqueue(
    db: Session,
    *,
    kind: str,
    channel: str,
    dedup_key: str,
    user: User | int | None = None,
    address: str | None = None,
    cohort_id: int | None = None,
    flag_id: int | None = None,
    context: dict | None = None,
    due_at: datetime | None = None,
) -> bool:
    """Add one message to the caller's transaction; False if its dedup key was already there."""
    now = utcnow()
    values = {
        "kind": kind,
        "channel": channel,
        "dedup_key": dedup_key[:160],
        "user_id": user.id if isinstance(user, User) else user,
        "address": address,
        "cohort_id": cohort_id,
        "flag_id": flag_id,
        "context": json.dumps(context or {}, sort_keys=True),
        # In UTC: SQLite keeps the wall-clock digits and drops the zone.
        "due_at": (due_at or now).astimezone(UTC),
        "status": Delivery.pending,
        "attempts": 0,
        "created_at": now,
    }
    connection = db.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Notification.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        # A row comes back only when one was added (rowcount is not reliable with RETURNING,
        # which PostgreSQL inserts use).
        .returning(Notification.__table__.c.id)
    )
    return connection.execute(statement).first() is not None


def email_available() -> bool:
    """Mail can leave: through SMTP_URL, or in development into the console and mail page."""
    found = settings()
    return bool(found.alerts.smtp_url) or not found.production


def enqueue_email(
    db: Session,
    to: User | str,
    kind: str,
    context: dict | None = None,
    *,
    dedup_key: str | None = None,
    cohort_id: int | None = None,
) -> bool:
    """Send one email of `kind` to a person (in their language) or a bare address.

    The message is `templates/notifications/<kind>.txt` (blocks `subject` and `body`) and
    `templates/notifications/<kind>.html`, rendered by the worker with `context` (kept
    encrypted until then). Call it inside the transaction of its cause and commit as usual;
    returns False when mail cannot leave this deployment or the dedup key was used before.
    """
    if not email_available():
        return False
    user = to if isinstance(to, User) else None
    address = None if user is not None else str(to).strip()
    return enqueue(
        db,
        kind=kind,
        channel=EMAIL,
        dedup_key=dedup_key or f"{kind}:{uuid.uuid4().hex}",
        user=user,
        address=address,
        cohort_id=cohort_id,
        context=context,
    )


def cancel(db: Session, *where) -> int:
    """Cancel messages not yet sent that match the conditions (a worker holding one sees the
    change when it records its outcome, and cancels instead)."""
    result = db.exec(
        update(Notification)
        .where(Notification.status == Delivery.pending, *where)
        .values(status=Delivery.cancelled, finished_at=utcnow())
    )
    return result.rowcount
