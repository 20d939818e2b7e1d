"""Consents, the checklists around each medicine session, and calendar feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class ConsentRecord(SQLModel, table=True):
    """A signed consent: which text, which version, its hash, the choice, the typed name."""

    __tablename__ = "consent_record"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", ondelete="CASCADE")
    document_id: str = Field(max_length=80)
    version: int
    text_sha256: str = Field(max_length=64)
    locale: str = Field(max_length=10)
    choice: str | None = Field(default=None, max_length=40)
    signed_name: str = Field(sa_column=Column(EncryptedText, nullable=False))
    signed_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class ChecklistSubmission(SQLModel, table=True):
    """A participant's pre-session checklist (or after-session check-in) for one session."""

    __tablename__ = "checklist_submission"
    __table_args__ = (UniqueConstraint("user_id", "session_id", "checklist_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="medicine_session.id", index=True, ondelete="CASCADE")
    checklist_id: str = Field(max_length=80)  # pre-session | after-session
    # JSON {item id: answer}; the ride-home contact sits inside, encrypted with the rest.
    answers: str = Field(default="{}", sa_column=Column(EncryptedText, nullable=False))
    state: str = Field(default="in_progress", max_length=20)  # in_progress | ready | hard_stop
    submitted_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class CalendarFeed(SQLModel, table=True):
    """A personal, revocable calendar address; only the hash of its secret is stored."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
