"""Authenticator apps (TOTP, RFC 6238): enrolment with a QR code, codes that work once."""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from markupsafe import escape
from sqlmodel import Session, select, update

from app.models import TotpFactor, User, utcnow

ISSUER = "Tend"
# One step either side: a phone clock a little off, or a code typed as it turned over.
VALID_WINDOW = 1


def pending_or_new(db: Session, user: User) -> TotpFactor:
    """The person's unconfirmed authenticator secret, made now if there is none yet."""
    factor = db.exec(select(TotpFactor).where(TotpFactor.user_id == user.id)).first()
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=pyotp.random_base32())
        db.add(factor)
        db.commit()
    return factor


def confirmed(db: Session, user: User) -> TotpFactor | None:
    return db.exec(
        select(TotpFactor).where(
            TotpFactor.user_id == user.id, TotpFactor.confirmed_at.is_not(None)
        )
    ).first()


def provisioning_uri(factor: TotpFactor, user: User) -> str:
    return pyotp.TOTP(factor.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, label: str) -> str:
    """The provisioning QR as inline SVG (no image request, nothing for the CSP to allow)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#1f2a27", light="#ffffff", title=label, svgclass="qr-code"
    )
    # Named as one image for screen readers; the key below it is the text alternative.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


def accept_code(db: Session, factor: TotpFactor, code: str, now: float | None = None) -> bool:
    """True once per time step: a code seen before, or one from an earlier step, is refused.

    The step is claimed with a guarded update, so two requests racing one code cannot both win.
    """
    code = normalise_code(code)
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(factor.secret)
    now = time.time() if now is None else now
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if not hmac.compare_digest(totp.generate_otp(step), code):
            continue
        if factor.last_used_step is not None and step <= factor.last_used_step:
            return False
        claimed = db.exec(
            update(TotpFactor)
            .where(
                TotpFactor.id == factor.id,
                (TotpFactor.last_used_step.is_(None)) | (TotpFactor.last_used_step < step),
            )
            .values(last_used_step=step)
        )
        if claimed.rowcount != 1:
            db.rollback()
            return False
        db.refresh(factor)
        return True
    return False


def confirm(db: Session, factor: TotpFactor) -> None:
    factor.confirmed_at = utcnow()
    db.add(factor)
