"""The weekly group meetings (large group and each small group), their exceptions, and who
was there."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow, when_column


class Meeting(SQLModel, table=True):
    """A weekly meeting on the cohort's wall clock: the large group's when small_group_id is
    empty, otherwise one small group's. It repeats every week from `first_day` to `last_day`
    (calendar days on the cohort's calendar; both included)."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    small_group_id: int | None = Field(
        default=None, foreign_key="small_group.id", index=True, ondelete="CASCADE"
    )
    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    starts_at: str = Field(max_length=5)  # "18:30", the cohort's wall clock
    minutes: int = Field(default=120, ge=15, le=600)
    place: str | None = Field(default=None, max_length=200)
    video_url: str | None = Field(default=None, max_length=500)
    first_day: date
    last_day: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class MeetingChange(SQLModel, table=True):
    """One week's exception: that week's meeting is cancelled, or moved to another time."""

    __tablename__ = "meeting_change"
    __table_args__ = (UniqueConstraint("meeting_id", "on_day"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    on_day: date  # the day it would have been held
    # Empty: cancelled. Otherwise the new wall-clock start on the cohort's calendar.
    moved_to: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=False), nullable=True)
    )
    place: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class Attendance(SQLModel, table=True):
    """Whether a participant was at one occurrence of a meeting (named by its original day)."""

    __table_args__ = (UniqueConstraint("meeting_id", "on_day", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    on_day: date
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    status: str = Field(max_length=10)  # present | absent | excused
    recorded_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
