"""Random study codes: how evaluation exports name a participant without naming them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow, when_column


class StudyCode(SQLModel, table=True):
    """A participant's random code in one cohort, the same in every export, so an evaluation
    team can import a later export over an earlier one. It is not derived from anything."""

    __tablename__ = "study_code"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=16, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
