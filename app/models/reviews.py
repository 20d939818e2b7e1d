"""The medical team's review of a participant before a medicine session: who, when, and the
outcome they chose. Tend records the decision; it never proposes one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class ClinicianReview(SQLModel, table=True):
    """One review; a later one for the same person and session replaces it on the board,
    and the earlier ones stay as the record."""

    __tablename__ = "clinician_review"
    __table_args__ = (Index("ix_clinician_review_session_person", "session_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="medicine_session.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    reviewer_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    outcome: str = Field(max_length=20)  # proceed | hold | not_this_session
    note: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    reviewed_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
