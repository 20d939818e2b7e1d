"""Staff alerts for safety flags: who is told, when, and when it stops.

An urgent flag tells the cohort's facilitators and medical team at once (email, and push on
the devices they turned it on for) and the cohort's on-call address when one is set. The same
transaction schedules the first escalation, FLAG_ESCALATION_MINUTES later, to administrators
and the cohort's escalation contacts; each escalation sent schedules the next one
FLAG_ESCALATION_REPEAT_MINUTES later, until someone acknowledges the flag, which cancels what
is still waiting. A review flag never escalates: it joins the team's next daily digest.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from app.access import TEAM_ROLES
from app.models import (
    AlertContact,
    Cohort,
    Membership,
    Notification,
    PushDevice,
    Role,
    SafetyFlag,
    User,
    utcnow,
)
from app.notifications import links
from app.notifications.outbox import (
    EMAIL,
    PUSH,
    cancel,
    email_available,
    enqueue,
    recipient_key,
    settings,
)

FLAG_URGENT, FLAG_ESCALATION, FLAG_DIGEST = "flag_urgent", "flag_escalation", "flag_digest"
ON_CALL, ESCALATION = "on_call", "escalation"


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def team(db: Session, cohort_id: int) -> list[User]:
    """The cohort's facilitators and medical team with an active account."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.cohort_id == cohort_id,
            Membership.role.in_(list(TEAM_ROLES)),
            User.active,
        )
        .order_by(User.id)
    )
    return list(db.exec(query))


def administrators(db: Session) -> list[User]:
    return list(db.exec(select(User).where(User.role == Role.admin, User.active).order_by(User.id)))


def contacts(db: Session, cohort_id: int, purpose: str) -> list[str]:
    query = select(AlertContact.email).where(
        AlertContact.cohort_id == cohort_id, AlertContact.purpose == purpose
    )
    return sorted(db.exec(query))


def _with_devices(db: Session, users: list[User]) -> set[int]:
    if not users:
        return set()
    query = select(PushDevice.user_id).where(PushDevice.user_id.in_([u.id for u in users]))
    return set(db.exec(query))


def _to_people_and_addresses(
    db: Session,
    *,
    kind: str,
    key: str,
    people: list[User],
    addresses: list[str],
    due_at: datetime,
    flag: SafetyFlag,
    context: dict,
) -> None:
    """One email per person and address, and one push per person who has a device."""
    mail = email_available()
    pushable = _with_devices(db, people)
    common = {"kind": kind, "cohort_id": flag.cohort_id, "flag_id": flag.id, "due_at": due_at}
    for person in people:
        if mail:
            enqueue(
                db,
                channel=EMAIL,
                user=person,
                dedup_key=f"{key}:{EMAIL}:{recipient_key(person)}",
                context=context,
                **common,
            )
        if person.id in pushable:
            enqueue(
                db,
                channel=PUSH,
                user=person,
                dedup_key=f"{key}:{PUSH}:{recipient_key(person)}",
                context=context,
                **common,
            )
    if mail:
        for address in addresses:
            enqueue(
                db,
                channel=EMAIL,
                address=address,
                dedup_key=f"{key}:{EMAIL}:{recipient_key(address=address)}",
                context=context,
                **common,
            )


def flag_raised(db: Session, flag: SafetyFlag) -> None:
    """Called by the safety loop in the transaction that raises the flag."""
    found = settings()
    if not found.alerts.enabled:
        return
    raised = _aware(flag.raised_at or utcnow())
    if flag.level != "urgent":
        _join_digest(db, flag, raised)
        return
    _to_people_and_addresses(
        db,
        kind=FLAG_URGENT,
        key=f"flag:{flag.id}:raised",
        people=team(db, flag.cohort_id),
        addresses=contacts(db, flag.cohort_id, ON_CALL),
        due_at=raised,
        flag=flag,
        context={"round": 0},
    )
    _escalate(db, flag, 1, raised + timedelta(minutes=found.flag_escalation_minutes))


def _escalate(db: Session, flag: SafetyFlag, round_number: int, due_at: datetime) -> None:
    _to_people_and_addresses(
        db,
        kind=FLAG_ESCALATION,
        key=f"flag:{flag.id}:escalation:{round_number}",
        people=administrators(db),
        addresses=contacts(db, flag.cohort_id, ESCALATION),
        due_at=due_at,
        flag=flag,
        context={"round": round_number},
    )


def escalation_done(db: Session, notification: Notification, round_number: int) -> None:
    """After one escalation round left (or gave up) for one recipient, schedule that
    recipient's next round, unless the flag has been acknowledged meanwhile."""
    flag = db.get(SafetyFlag, notification.flag_id) if notification.flag_id else None
    if flag is None or flag.acknowledged_at is not None:
        return
    if notification.channel == PUSH and not _with_devices(db, [db.get(User, notification.user_id)]):
        return  # they removed their last device: the email rounds go on
    repeat = timedelta(minutes=settings().alerts.escalation_repeat_minutes)
    next_round = round_number + 1
    recipient = recipient_key(notification.user_id, notification.address)
    enqueue(
        db,
        kind=FLAG_ESCALATION,
        channel=notification.channel,
        user=notification.user_id,
        address=notification.address,
        cohort_id=notification.cohort_id,
        flag_id=flag.id,
        dedup_key=f"flag:{flag.id}:escalation:{next_round}:{notification.channel}:{recipient}",
        context={"round": next_round},
        due_at=max(_aware(notification.due_at) + repeat, utcnow()),
    )


def flag_acknowledged(db: Session, flag: SafetyFlag) -> None:
    """Called in the transaction that acknowledges the flag: escalations stop."""
    cancel(db, Notification.flag_id == flag.id, Notification.kind == FLAG_ESCALATION)


def next_digest_at(cohort: Cohort, after: datetime) -> datetime:
    """The next FLAG_DIGEST_TIME on the cohort's clock at or after `after`."""
    hours, minutes = (int(part) for part in settings().alerts.digest_time.split(":"))
    zone = ZoneInfo(cohort.timezone)
    local = after.astimezone(zone)
    at = datetime.combine(local.date(), time(hours, minutes), zone)
    return at if at >= local else datetime.combine(local.date() + timedelta(days=1), at.timetz())


def _join_digest(db: Session, flag: SafetyFlag, raised: datetime) -> None:
    cohort = db.get(Cohort, flag.cohort_id)
    due = next_digest_at(cohort, raised)
    if not email_available():
        return
    for person in team(db, flag.cohort_id):
        enqueue(
            db,
            kind=FLAG_DIGEST,
            channel=EMAIL,
            user=person,
            cohort_id=cohort.id,
            dedup_key=f"digest:{cohort.id}:{due.date().isoformat()}:{recipient_key(person)}",
            context={},
            due_at=due,
        )


def waiting_for_review(db: Session, cohort_id: int) -> int:
    """Review flags of the cohort nobody has acknowledged yet (the digest's one number)."""
    query = select(func.count(SafetyFlag.id)).where(
        SafetyFlag.cohort_id == cohort_id,
        SafetyFlag.level != "urgent",
        SafetyFlag.acknowledged_at.is_(None),
    )
    return db.exec(query).one()


def prepare(db: Session, notification: Notification) -> dict | None:
    """What a flag message says at the moment it is sent, or None if it is no longer needed."""
    cohort = db.get(Cohort, notification.cohort_id) if notification.cohort_id else None
    if cohort is None:
        return None
    base = {"cohort_name": cohort.name}
    if notification.kind == FLAG_DIGEST:
        count = waiting_for_review(db, cohort.id)
        if not count:
            return None
        return {
            **base,
            "count": count,
            "link": links.absolute("facilitator.flags", cohort_id=cohort.id),
        }
    flag = db.get(SafetyFlag, notification.flag_id) if notification.flag_id else None
    if flag is None:
        return None
    if notification.kind == FLAG_ESCALATION:
        if flag.acknowledged_at is not None:
            return None
        escalate_minutes = settings().flag_escalation_minutes
        waited = int((utcnow() - _aware(flag.raised_at)).total_seconds() // 60)
        link = (
            links.absolute("facilitator.overdue_flags")
            if notification.user_id and _is_admin(db, notification.user_id)
            else links.absolute("facilitator.flags", cohort_id=cohort.id)
        )
        return {**base, "minutes": max(waited, escalate_minutes), "link": link}
    return {**base, "link": links.absolute("facilitator.flags", cohort_id=cohort.id)}


def _is_admin(db: Session, user_id: int) -> bool:
    user = db.get(User, user_id)
    return user is not None and user.role == Role.admin
