"""Ten single-use recovery codes, shown once and kept only as password hashes."""

from __future__ import annotations

import secrets

from sqlmodel import Session, delete, select, update

from app.auth.passwords import hash_password, verify_password
from app.models import RecoveryCode, User, utcnow

COUNT = 10
# No 0/O, 1/I/L: codes are copied from paper. Ten characters of 31 is about 50 bits.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def replace_codes(db: Session, user: User) -> list[str]:
    """Forget every earlier code and make ten new ones, returned once to show the person."""
    codes = [_new_code() for _ in range(COUNT)]
    db.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    for code in codes:
        db.add(RecoveryCode(user_id=user.id, code_hash=hash_password(normalise(code))))
    return codes


def forget_codes(db: Session, user: User) -> None:
    db.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def use_code(db: Session, user: User, code: str) -> bool:
    """Spend one unused code that matches; a used code never matches again."""
    given = normalise(code)
    if len(given) != LENGTH:
        return False
    unused = db.exec(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for stored in unused:
        if verify_password(stored.code_hash, given):
            # Guarded, so the same code sent twice at once is spent by one request only.
            spent = db.exec(
                update(RecoveryCode)
                .where(RecoveryCode.id == stored.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
            )
            return spent.rowcount == 1
    return False
