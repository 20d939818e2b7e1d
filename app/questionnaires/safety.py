"""The safety loop: a risk answer or a call for support becomes a flag the team must see,
acknowledge and follow up; a flag left unacknowledged too long is shown as overdue to the
whole cohort team and the administrators. Every step is audited; no free text is copied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from app import access, audit
from app.models import Cohort, Role, SafetyFlag, User, utcnow
from app.notifications import alerts


class FlagNotFound(Exception):
    """No such flag in a cohort the viewer is on the team of."""


def raise_flag(
    db: Session,
    user: User,
    cohort_id: int,
    *,
    source: str,
    level: str,
    instrument_id: str | None = None,
    rule_id: str | None = None,
    response_id: int | None = None,
) -> SafetyFlag:
    flag = SafetyFlag(
        user_id=user.id,
        cohort_id=cohort_id,
        source=source,
        level=level,
        instrument_id=instrument_id,
        rule_id=rule_id,
        response_id=response_id,
    )
    db.add(flag)
    db.flush()
    audit.record(
        db,
        user,
        "safety_flag_raised",
        subject=user,
        cohort_id=cohort_id,
        object_type="safety_flag",
        object_id=flag.id,
    )
    # The team's alerts are written in this same transaction: no flag without its alert.
    alerts.flag_raised(db, flag)
    return flag


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_overdue(flag: SafetyFlag, escalate_after: timedelta, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return flag.acknowledged_at is None and now - _aware(flag.raised_at) > escalate_after


@dataclass(frozen=True)
class FlagRow:
    flag: SafetyFlag
    person: User
    cohort: Cohort
    overdue: bool


def team_flags(
    db: Session,
    viewer: User,
    cohort_id: int,
    escalate_after: timedelta,
    now: datetime | None = None,
    include_done: bool = False,
) -> list[FlagRow]:
    """Flags of one cohort, for its facilitators and medical team; urgent and oldest first."""
    if viewer.role not in (Role.facilitator, Role.medical) or not access.is_on_team(
        db, viewer, cohort_id
    ):
        return []
    query = (
        select(SafetyFlag, User, Cohort)
        .join(User, User.id == SafetyFlag.user_id)
        .join(Cohort, Cohort.id == SafetyFlag.cohort_id)
        .where(SafetyFlag.cohort_id == cohort_id)
    )
    if not include_done:
        query = query.where(SafetyFlag.followed_up_at.is_(None))
    rows = [FlagRow(f, u, c, is_overdue(f, escalate_after, now)) for f, u, c in db.exec(query)]
    rows.sort(
        key=lambda r: (
            r.flag.acknowledged_at is not None,
            r.flag.level != "urgent",
            _aware(r.flag.raised_at),
        )
    )
    audit.record(db, viewer, "viewed_safety_flags", cohort_id=cohort_id)
    db.commit()
    return rows


def overdue_everywhere(
    db: Session, viewer: User, escalate_after: timedelta, now: datetime | None = None
) -> list[FlagRow]:
    """For administrators: every unacknowledged flag past its time, across cohorts."""
    if viewer.role != Role.admin:
        return []
    query = (
        select(SafetyFlag, User, Cohort)
        .join(User, User.id == SafetyFlag.user_id)
        .join(Cohort, Cohort.id == SafetyFlag.cohort_id)
        .where(SafetyFlag.acknowledged_at.is_(None))
    )
    rows = [
        FlagRow(f, u, c, True) for f, u, c in db.exec(query) if is_overdue(f, escalate_after, now)
    ]
    audit.record(db, viewer, "viewed_overdue_flags")
    db.commit()
    return sorted(rows, key=lambda r: _aware(r.flag.raised_at))


def _flag_for_team(db: Session, viewer: User, flag_id: int) -> SafetyFlag:
    flag = db.get(SafetyFlag, flag_id)
    if (
        flag is None
        or viewer.role not in (Role.facilitator, Role.medical)
        or not (access.is_on_team(db, viewer, flag.cohort_id))
    ):
        raise FlagNotFound
    return flag


def _audit(db: Session, viewer: User, flag: SafetyFlag, action: str) -> None:
    audit.record(
        db,
        viewer,
        action,
        subject=flag.user_id,
        cohort_id=flag.cohort_id,
        object_type="safety_flag",
        object_id=flag.id,
    )


def _stamp_acknowledged(flag: SafetyFlag, viewer: User) -> bool:
    """Mark the flag acknowledged by the viewer, once; True when this call did it."""
    if flag.acknowledged_at is not None:
        return False
    flag.acknowledged_at = utcnow()
    flag.acknowledged_by_id = viewer.id
    return True


def acknowledge(db: Session, viewer: User, flag_id: int) -> SafetyFlag:
    flag = _flag_for_team(db, viewer, flag_id)
    if _stamp_acknowledged(flag, viewer):
        _audit(db, viewer, flag, "safety_flag_acknowledged")
        alerts.flag_acknowledged(db, flag)
        db.commit()
    return flag


def record_follow_up(db: Session, viewer: User, flag_id: int, note: str) -> SafetyFlag:
    flag = _flag_for_team(db, viewer, flag_id)
    if _stamp_acknowledged(flag, viewer):
        alerts.flag_acknowledged(db, flag)
    flag.follow_up = note.strip() or None
    flag.followed_up_at = utcnow()
    _audit(db, viewer, flag, "safety_flag_followed_up")
    db.commit()
    return flag


def open_count(db: Session, cohort_id: int) -> int:
    query = select(func.count(SafetyFlag.id)).where(
        SafetyFlag.cohort_id == cohort_id, SafetyFlag.acknowledged_at.is_(None)
    )
    return db.exec(query).one()


def waiting_for_contact(db: Session, user: User) -> SafetyFlag | None:
    """The person's latest risk answer or request for contact that the team has not yet
    recorded a follow-up for: their home says the team was told until someone has."""
    query = (
        select(SafetyFlag)
        .where(
            SafetyFlag.user_id == user.id,
            SafetyFlag.followed_up_at.is_(None),
            (SafetyFlag.level == "urgent")
            | (SafetyFlag.source == "support-button")
            | (SafetyFlag.rule_id == "contact-me"),
        )
        .order_by(SafetyFlag.raised_at.desc(), SafetyFlag.id.desc())
    )
    return db.exec(query).first()
