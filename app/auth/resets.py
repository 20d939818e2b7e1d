"""Forgotten passwords: a one-time link, by email or handed over by an administrator.

A link works once, for 30 minutes. Only the SHA-256 of its token is stored. Asking for one
answers the same whether or not the email has an account, and does the same work either way
(a token is made and an event written), so neither the page nor its timing tells. Choosing
the new password ends every sign-in session of the person; a second factor, when they have
one, stays as it is: a reset changes the password only.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import get_locale
from sqlalchemy import update
from sqlmodel import Session, func, select

from app import security_events
from app.access import participant_membership
from app.auth.passwords import check_new_password, hash_password
from app.auth.services import _aware, end_all_sessions, find_account
from app.crypto import token_hash
from app.models import PasswordReset, User, utcnow
from app.notifications import links
from app.notifications.outbox import enqueue_email

LIFETIME = timedelta(minutes=30)
# More requests than this for one account within LIFETIME send no further email (the page
# answers as always): a reset form must not become a way to flood someone's inbox.
MAX_OPEN_REQUESTS = 3
MAIL_KIND = "password_reset"


class ResetInvalid(Exception):
    """Unknown, used, expired, or for an account that is no longer active. One for all."""


def link_for(token: str) -> str:
    # The token travels in the query string: gunicorn's access log (%(U)s) records paths only.
    return links.absolute("auth.reset_password", token=token)


def _new(db: Session, user: User, issued_by: User | None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        PasswordReset(
            token_hash=token_hash(token),
            user_id=user.id,
            issued_by_id=issued_by.id if issued_by else None,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return token


def _open_requests(db: Session, user: User) -> int:
    query = (
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.issued_by_id.is_(None),
            PasswordReset.used_at.is_(None),
            PasswordReset.created_at > utcnow() - LIFETIME,
        )
    )
    return db.exec(query).one()


def request_by_email(db: Session, email: str) -> None:
    """Email a reset link if the address belongs to an active account; silent otherwise."""
    user = find_account(db, email)
    token = secrets.token_urlsafe(32)  # made either way: the same work on both paths
    if user is None or not user.active or _open_requests(db, user) >= MAX_OPEN_REQUESTS:
        security_events.record(db, security_events.RESET_REQUESTED, account=email, commit=True)
        return
    token = _new(db, user, None)
    membership = participant_membership(db, user)
    enqueue_email(
        db,
        user,
        MAIL_KIND,
        {
            "link": link_for(token),
            "minutes": int(LIFETIME.total_seconds() // 60),
            "asked_in_locale": str(get_locale()),
        },
        dedup_key=f"{MAIL_KIND}:{token_hash(token)[:32]}",
        cohort_id=membership.cohort_id if membership else None,
    )
    security_events.record(db, security_events.RESET_REQUESTED, subject=user, commit=True)


def issue_by_administrator(db: Session, admin: User, person: User) -> str:
    """A one-time link to hand over in person or by phone, like an invite code."""
    if not person.active:
        raise ResetInvalid
    token = _new(db, person, admin)
    security_events.record(db, security_events.RESET_ISSUED, actor=admin, subject=person)
    db.commit()
    return link_for(token)


def find_open(db: Session, token: str) -> PasswordReset:
    found = db.exec(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    reset = found.first()
    if reset is None or reset.used_at is not None or _aware(reset.expires_at) <= utcnow():
        raise ResetInvalid
    user = db.get(User, reset.user_id)
    if user is None or not user.active:
        raise ResetInvalid
    return reset


def complete(db: Session, token: str, new_password: str) -> User:
    """Spend the link, set the password, sign the person out everywhere."""
    reset = find_open(db, token)
    user = db.get(User, reset.user_id)
    check_new_password(new_password, email=user.email, name=user.display_name)
    now = utcnow()
    # A guarded update: two tabs sending the same link cannot both use it.
    spent = db.exec(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        db.rollback()
        raise ResetInvalid
    # Every other open link of theirs ends too: the one used is the one that counts.
    db.exec(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    db.add(user)
    security_events.record(db, security_events.RESET_COMPLETED, actor=user, subject=user)
    end_all_sessions(db, user)  # commits
    return user
