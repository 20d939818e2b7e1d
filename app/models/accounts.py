"""An account's life after enrolment: password resets, withdrawals and closed accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class PasswordReset(SQLModel, table=True):
    """A one-time link to choose a new password: asked for by email, or issued by an
    administrator. Only the token's hash is kept, so a copy of the database opens nothing."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    issued_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    expires_at: datetime = Field(sa_column=when_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class DataChoice:
    """What happens to a withdrawn participant's data."""

    keep = "keep"  # kept for the program's records
    delete = "delete"  # deleted, after the person was offered their export


class Withdrawal(SQLModel, table=True):
    """A participant who left a cohort (withdrawn by the team, or who closed their account),
    and what was chosen for their data. The reason, optional, is the person's own words."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", ondelete="SET NULL")
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    closed_own_account: bool = False
    data_choice: str = Field(max_length=10)
    reason: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
