"""A participant's own traces of practices and regulation exercises."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class PracticeRecord(SQLModel, table=True):
    """A participant's own trace of one practice in one week: tried or not, and a private note."""

    __tablename__ = "practice_record"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id", "week", "practice_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", ondelete="CASCADE")
    week: int
    practice_id: str = Field(max_length=80)
    done: bool = False
    note: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class ExerciseRecord(SQLModel, table=True):
    """One time a participant used a regulation exercise, with optional before/after ratings."""

    __tablename__ = "exercise_record"
    __table_args__ = (UniqueConstraint("user_id", "client_uuid"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    # The idempotency key the device made: a replayed submission finds its record again.
    client_uuid: str = Field(max_length=36)
    exercise_id: str = Field(max_length=80)
    minutes: int
    seconds_completed: int = 0
    # How stirred up the person felt, 0-10: answers, so encrypted like every answer.
    before: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
