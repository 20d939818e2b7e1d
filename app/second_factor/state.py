"""What second factors a person has, and the one way every change to them is recorded."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app import audit
from app.crypto import token_hash
from app.models import Passkey, RecoveryCode, TotpFactor, User

# Security events as one JSON object per line, for a log pipeline: a hashed account id and
# the kind of change, never a name, an email, a secret or a code.
security_log = logging.getLogger("tend.security")

KINDS = ("passkey", "totp")


def send_security_log_to_stderr() -> None:
    """Where nothing configured logging (gunicorn leaves the root logger bare), Python would
    drop these INFO lines: give them a plain stderr handler, one JSON object per line."""
    if security_log.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    security_log.addHandler(handler)
    security_log.setLevel(logging.INFO)


@dataclass(frozen=True)
class SecondFactorState:
    """What a page about a person may show of their second factor; no secret in it."""

    kinds: tuple[str, ...]  # "passkey" and/or "totp", enrolled and confirmed
    passkeys: int
    recovery_codes_left: int

    @property
    def enrolled(self) -> bool:
        return bool(self.kinds)


def second_factor_state(db: Session, user: User) -> SecondFactorState:
    passkeys = db.exec(select(func.count()).where(Passkey.user_id == user.id)).one()
    has_totp = (
        db.exec(
            select(TotpFactor.id).where(
                TotpFactor.user_id == user.id, TotpFactor.confirmed_at.is_not(None)
            )
        ).first()
        is not None
    )
    codes_left = db.exec(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).one()
    kinds = tuple(kind for kind, on in (("passkey", passkeys > 0), ("totp", has_totp)) if on)
    return SecondFactorState(kinds=kinds, passkeys=passkeys, recovery_codes_left=codes_left)


def has_second_factor(db: Session, user: User) -> bool:
    return second_factor_state(db, user).enrolled


def account_ref(user: User) -> str:
    """A stable pseudonym for log lines: the same person, never who they are."""
    return token_hash(f"tend-account:{user.id}")[:16]


def record_change(db: Session, actor: User | None, user: User, action: str, *, kind: str) -> None:
    """Audit one factor change (in the caller's transaction) and log it as a security event.

    action is one of second_factor_added, second_factor_removed, recovery_codes_created,
    recovery_code_used, second_factor_reset; kind names the factor, never anything about its
    secret. actor is None for an operator's command.
    """
    audit.record(db, actor, action, subject=user, object_type=kind)
    security_log.info(
        json.dumps(
            {
                "event": action,
                "factor": kind,
                "account": account_ref(user),
                "by_self": actor is not None and actor.id == user.id,
            },
            sort_keys=True,
        )
    )
