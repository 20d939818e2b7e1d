"""The audit trail: every staff read of participant data and every change to access."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, select

from app.models import AuditEvent, User, utcnow


def record(
    db: Session,
    actor: User | None,
    action: str,
    *,
    subject: User | int | None = None,
    cohort_id: int | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
) -> AuditEvent:
    """Add one event to the caller's transaction; it commits with the change it describes."""
    subject_id = subject.id if isinstance(subject, User) else subject
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        subject_id=subject_id,
        cohort_id=cohort_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
    )
    db.add(event)
    return event


def record_reads(
    db: Session,
    actor: User,
    action: str,
    *,
    cohort_id: int | None,
    object_type: str,
    reads: list[tuple[int, int]],
) -> None:
    """One event per (subject id, object id) read, added to the caller's transaction in a
    single statement: a page of twenty entries is twenty events, not twenty round trips."""
    if not reads:
        return
    at = utcnow()
    # A Core executemany: the rows need no ORM objects, and this runs on every page view.
    db.connection().execute(
        insert(AuditEvent.__table__),
        [
            {
                "at": at,
                "actor_id": actor.id,
                "subject_id": subject_id,
                "cohort_id": cohort_id,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
            }
            for subject_id, object_id in reads
        ],
    )


def events_about(db: Session, subject_id: int, limit: int = 100) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.exec(query))
