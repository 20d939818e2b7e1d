"""Accounts: enrolment by invite, sign-in, server-side sessions, password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select, update

from app import audit, security_events
from app.auth.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from app.crypto import token_hash
from app.models import (
    Invite,
    Membership,
    Role,
    SignInSession,
    SmallGroup,
    User,
    utcnow,
)
from app.models.people import account_role
from app.notifications import devices as push_devices

INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones
INVITE_GROUPS, INVITE_GROUP_LENGTH = 3, 4
# Touching last_seen on every request would make every page view a write.
SEEN_RESOLUTION = timedelta(seconds=60)


class InviteInvalid(Exception):
    """The code is unknown, used, revoked or expired. One message for all: no oracle."""


class EmailTaken(Exception):
    """An account with this email already exists."""


class WrongPassword(Exception):
    """The current password given to change it was not right."""


@dataclass(frozen=True)
class SessionPolicy:
    staff_idle: timedelta
    participant_idle: timedelta
    absolute: timedelta

    def idle_for(self, user: User) -> timedelta:
        return self.staff_idle if user.is_staff else self.participant_idle


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns; they are UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---- sign-in sessions -----------------------------------------------------------------


def start_session(
    db: Session,
    user: User,
    policy: SessionPolicy,
    *,
    shared_device: bool = False,
    second_factor: str | None = None,
) -> str:
    """Record a new sign-in and return its token, the only thing the cookie carries."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        SignInSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
            shared_device=shared_device,
            second_factor=second_factor,
        )
    )
    security_events.record(
        db, security_events.SIGNED_IN, actor=user, subject=user, detail=second_factor
    )
    db.commit()
    user.bind_signin_token(token)
    return token


# Every signed-in request starts here: the session and its person in one query, built once
# (building a statement and its cache key costs more than SQLite takes to run it).
_SESSION_AND_PERSON = (
    select(SignInSession, User)
    .join(User, User.id == SignInSession.user_id)
    .where(SignInSession.token_hash == bindparam("token_hash"))
)


def load_session(
    db: Session, token: str, policy: SessionPolicy, now: datetime | None = None
) -> tuple[User, SignInSession] | None:
    """The signed-in person for a cookie token, or None if the session ended or went idle."""
    now = now or utcnow()
    found = db.exec(_SESSION_AND_PERSON, params={"token_hash": token_hash(token)}).first()
    if found is None:
        return None
    signin, user = found
    if signin.revoked_at is not None or _aware(signin.expires_at) <= now:
        return None
    if not user.active:
        return None
    if now - _aware(signin.last_seen_at) > policy.idle_for(user):
        signin.revoked_at = now
        db.commit()
        return None
    if now - _aware(signin.last_seen_at) > SEEN_RESOLUTION:
        signin.last_seen_at = now
        db.commit()
    user.bind_signin_token(token)
    return user, signin


def end_session(db: Session, token: str) -> None:
    db.exec(
        update(SignInSession)
        .where(SignInSession.token_hash == token_hash(token), SignInSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.commit()


def end_all_sessions(db: Session, user: User, *, keep_token: str | None = None) -> None:
    """Sign the person out everywhere (except, if given, the device they are using)."""
    query = update(SignInSession).where(
        SignInSession.user_id == user.id, SignInSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(SignInSession.token_hash != token_hash(keep_token))
    db.exec(query.values(revoked_at=utcnow()))
    if keep_token is None:
        # Signed out everywhere (a lost phone): no device of theirs is woken by a push any more.
        push_devices.forget_all(db, user)
    audit.record(db, user, "signed_out_everywhere", subject=user)
    db.commit()


# ---- sign-in and passwords ------------------------------------------------------------


def find_account(db: Session, email: str) -> User | None:
    return db.exec(select(User).where(User.email == normalise_email(email))).first()


def authenticate(db: Session, email: str, password: str) -> User | None:
    user = find_account(db, email)
    if user is None or not user.active:
        spend_verification_time(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.commit()
    return user


def change_password(
    db: Session, user: User, current: str, new: str, *, keep_token: str | None
) -> None:
    if not verify_password(user.password_hash, current):
        raise WrongPassword
    check_new_password(new, email=user.email, name=user.display_name)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    audit.record(db, user, "password_changed", subject=user)
    db.commit()
    end_all_sessions(db, user, keep_token=keep_token)


# ---- invites and enrolment ------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(raw: str) -> str:
    n = INVITE_GROUP_LENGTH
    return "-".join(raw[i : i + n] for i in range(0, len(raw), n))


def _new_code() -> str:
    length = INVITE_GROUPS * INVITE_GROUP_LENGTH
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


def create_invites(
    db: Session,
    actor: User,
    cohort_id: int,
    *,
    count: int,
    small_group_id: int | None,
    role: Role = Role.participant,
    valid_for: timedelta,
    label: str | None = None,
) -> list[Invite]:
    if small_group_id is not None:
        group = db.get(SmallGroup, small_group_id)
        if group is None or group.cohort_id != cohort_id:
            raise ValueError("small group is not part of this cohort")
    now = utcnow()
    invites = []
    for _ in range(count):
        code = _new_code()
        invite = Invite(
            code_hash=token_hash(code),
            code=format_code(code),
            cohort_id=cohort_id,
            small_group_id=small_group_id,
            role=role,
            label=label or None,
            created_by_id=actor.id,
            created_at=now,
            expires_at=now + valid_for,
        )
        db.add(invite)
        invites.append(invite)
    db.flush()
    for invite in invites:
        audit.record(
            db,
            actor,
            "invite_created",
            cohort_id=cohort_id,
            object_type="invite",
            object_id=invite.id,
        )
    db.commit()
    return invites


def invite_state(invite: Invite, now: datetime | None = None) -> str:
    now = now or utcnow()
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if _aware(invite.expires_at) <= now:
        return "expired"
    return "open"


def revoke_invite(db: Session, actor: User, invite: Invite) -> None:
    if invite_state(invite) == "open":
        invite.revoked_at = utcnow()
        audit.record(
            db,
            actor,
            "invite_revoked",
            cohort_id=invite.cohort_id,
            object_type="invite",
            object_id=invite.id,
        )
        db.commit()


def find_open_invite(db: Session, code: str) -> Invite:
    invite = db.exec(select(Invite).where(Invite.code_hash == token_hash(normalise_code(code))))
    found = invite.first()
    if found is None or invite_state(found) != "open":
        raise InviteInvalid
    return found


def enrol(db: Session, *, code: str, display_name: str, email: str, password: str) -> User:
    """Create the account and its cohort membership, and spend the invite, all or nothing."""
    invite = find_open_invite(db, code)
    email = normalise_email(email)
    if db.exec(select(User.id).where(User.email == email)).first() is not None:
        raise EmailTaken
    check_new_password(password, email=email, name=display_name)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        # The membership keeps the cohort role (a therapist); the account acts in its
        # account role (a facilitator's), which is what every page checks.
        role=account_role(invite.role),
    )
    db.add(user)
    try:
        db.flush()
        # Spend the invite with a guarded update so two people racing one code cannot both win.
        spent = db.exec(
            update(Invite)
            .where(Invite.id == invite.id, Invite.used_at.is_(None))
            .values(used_at=utcnow(), used_by_id=user.id)
        )
        if spent.rowcount != 1:
            raise InviteInvalid
        db.add(
            Membership(
                user_id=user.id,
                cohort_id=invite.cohort_id,
                small_group_id=invite.small_group_id,
                role=invite.role,
            )
        )
        audit.record(db, user, "enrolled", subject=user, cohort_id=invite.cohort_id)
        security_events.record(
            db,
            security_events.MEMBERSHIP_ADDED,
            actor=invite.created_by_id,
            subject=user,
            cohort_id=invite.cohort_id,
            detail=invite.role,
        )
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise EmailTaken from exc
    except InviteInvalid:
        db.rollback()
        raise
    return user
