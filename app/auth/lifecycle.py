"""Deactivating and reactivating accounts, leaving cohorts, and closing one's own account.

Every change here ends the person's sign-in sessions at once where it takes something away,
and is a security event (see app/security_events.py).
"""

from __future__ import annotations

from sqlmodel import Session, func, select

from app import security_events
from app.auth import erasure
from app.auth.services import end_all_sessions
from app.models import DataChoice, Membership, Role, User, Withdrawal


class LastAdministrator(Exception):
    """The only active administrator cannot be deactivated: nobody could manage Tend."""


class NotAParticipant(Exception):
    """Withdrawal (with its data choice) is for participants; staff are removed instead."""


def active_administrators(db: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == Role.admin, User.active)
    return db.exec(query).one()


def deactivate(db: Session, actor: User, person: User) -> None:
    if not person.active:
        return
    if person.role == Role.admin and active_administrators(db) <= 1:
        raise LastAdministrator
    person.active = False
    db.add(person)
    security_events.record(db, security_events.DEACTIVATED, actor=actor, subject=person)
    end_all_sessions(db, person)  # commits


def sign_out_everywhere(db: Session, actor: User, person: User) -> None:
    """A lost phone, a shared computer left signed in: every session ends, the account stays."""
    security_events.record(
        db, security_events.SIGNED_OUT_BY_ADMINISTRATOR, actor=actor, subject=person
    )
    end_all_sessions(db, person)  # commits


def reactivate(db: Session, actor: User, person: User) -> None:
    if person.active or erasure.is_erased(person):
        return  # an erased account has nothing to come back to
    person.active = True
    db.add(person)
    security_events.record(db, security_events.REACTIVATED, actor=actor, subject=person)
    db.commit()


def remove_staff(db: Session, actor: User, membership: Membership) -> None:
    person = db.get(User, membership.user_id)
    cohort_id = membership.cohort_id
    db.delete(membership)
    security_events.record(
        db,
        security_events.STAFF_REMOVED,
        actor=actor,
        subject=person,
        cohort_id=cohort_id,
        detail=membership.role,
    )
    end_all_sessions(db, person)


def withdraw(
    db: Session,
    actor: User,
    membership: Membership,
    *,
    data_choice: str,
    reason: str | None,
    own_account: bool = False,
) -> Withdrawal:
    """The participant leaves the cohort; their data is kept or deleted as chosen.

    Without another cohort the account is deactivated too: a participant without a cohort
    has nothing in Tend to open.
    """
    if membership.role != Role.participant:
        raise NotAParticipant
    if data_choice not in (DataChoice.keep, DataChoice.delete):
        raise ValueError(data_choice)
    person = db.get(User, membership.user_id)
    cohort_id = membership.cohort_id
    record = Withdrawal(
        user_id=person.id,
        cohort_id=cohort_id,
        actor_id=actor.id,
        closed_own_account=own_account,
        data_choice=data_choice,
        reason=(reason or "").strip() or None,
    )
    db.add(record)
    db.delete(membership)
    db.flush()
    others = db.exec(select(Membership.id).where(Membership.user_id == person.id)).first()
    if data_choice == DataChoice.delete:
        if others is None:
            erasure.erase_everything(db, person)
        else:
            erasure.erase_cohort_data(db, person, cohort_id)
    if others is None:
        person.active = False
        db.add(person)
    kind = security_events.ACCOUNT_CLOSED if own_account else security_events.PARTICIPANT_WITHDRAWN
    security_events.record(
        db, kind, actor=actor, subject=person, cohort_id=cohort_id, detail=data_choice
    )
    end_all_sessions(db, person)
    return record
