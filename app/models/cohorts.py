"""Cohorts, their small groups, who belongs where, and the medicine sessions on their clock."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow, when_column
from app.models.people import Role


class Cohort(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    start_date: date
    timezone: str = Field(default="America/Vancouver", max_length=64)
    default_locale: str = Field(default="en", max_length=10)
    bundle_id: str = Field(default="core", max_length=64)
    weeks: int = 12
    # Participants see future weeks' titles only, unless the team opens previews.
    allow_previews: bool = False
    # Knowledge keepers take attendance only where the cohort says so.
    keepers_take_attendance: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class SmallGroup(SQLModel, table=True):
    __tablename__ = "small_group"
    __table_args__ = (UniqueConstraint("cohort_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)


class Membership(SQLModel, table=True):
    """A person's place in a cohort: as a participant, or as part of its team."""

    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    small_group_id: int | None = Field(
        default=None, foreign_key="small_group.id", index=True, ondelete="SET NULL"
    )
    role: str = Field(default=Role.participant, max_length=20)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class MedicineSession(SQLModel, table=True):
    """One of the cohort's ketamine sessions, on the cohort's wall clock (never stored as UTC)."""

    __tablename__ = "medicine_session"
    __table_args__ = (UniqueConstraint("cohort_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    number: int = Field(ge=1, le=3)
    starts_local: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    place: str | None = Field(default=None, max_length=200)
