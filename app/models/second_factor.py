"""Second factors: an authenticator app's secret, passkeys, and single-use recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, LargeBinary
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class TotpFactor(SQLModel, table=True):
    """One authenticator app per person. Unconfirmed until a first code proves the scan."""

    __tablename__ = "totp_factor"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    # The shared secret is as good as the factor itself: encrypted at rest.
    secret: str = Field(sa_column=Column(EncryptedText, nullable=False))
    # The last 30-second step a code was accepted for: that step and earlier never work again.
    last_used_step: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class Passkey(SQLModel, table=True):
    """A WebAuthn credential: only its public key is kept; the private key never leaves the
    person's device."""

    __tablename__ = "passkey"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    credential_id: bytes = Field(sa_column=Column(LargeBinary(1023), nullable=False, unique=True))
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sign_count: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    name: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class RecoveryCode(SQLModel, table=True):
    """One of ten single-use codes, kept only as an argon2 hash, as passwords are."""

    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
