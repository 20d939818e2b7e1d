"""Questionnaire responses, their answers, extra administrations and safety flags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class QuestionnaireResponse(SQLModel, table=True):
    """One administration of one instrument to one participant, answered page by page."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id", "instrument_id", "administration"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    instrument_id: str = Field(max_length=80)
    instrument_version: int
    administration: str = Field(max_length=40)  # intake | end | follow-up-1m | follow-up-6m …
    locale: str = Field(max_length=10)
    bundle_id: str = Field(max_length=64)
    bundle_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    started_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class ExtraAdministration(SQLModel, table=True):
    """A questionnaire the team opens for a cohort outside the usual schedule."""

    __tablename__ = "extra_administration"

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    instrument_id: str = Field(max_length=80)
    opens_on: date
    closes_on: date  # first day it is no longer open
    opened_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class Answer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(
        foreign_key="questionnaire_response.id", index=True, ondelete="CASCADE"
    )
    item_id: str = Field(max_length=80)
    # JSON of the answer; null means skipped on purpose.
    value: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    answered_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class SafetyFlag(SQLModel, table=True):
    """A risk answer or a call for support that the care team must see and follow up."""

    __tablename__ = "safety_flag"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    source: str = Field(max_length=40)  # questionnaire | support-button
    level: str = Field(max_length=20)  # urgent | review
    instrument_id: str | None = Field(default=None, max_length=80)
    rule_id: str | None = Field(default=None, max_length=80)
    response_id: int | None = Field(
        default=None, foreign_key="questionnaire_response.id", ondelete="SET NULL"
    )
    raised_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    acknowledged_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    follow_up: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    followed_up_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    # The person changed the answer that raised the flag after it was raised; the flag stays.
    answer_changed_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
