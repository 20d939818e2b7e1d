"""Journal entries, who may read them, and what the team does with shared ones."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class Sharing(StrEnum):
    private = "private"
    facilitators = "facilitators"  # the participant's small-group facilitators
    group = "group"  # the small group, facilitators included


class JournalEntry(SQLModel, table=True):
    """A participant's journal entry. Its words are encrypted; who may read it is its sharing."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        UniqueConstraint("user_id", "client_uuid"),
        # The reading room picks one group's shared entries for a week out of thousands of
        # private ones, orders them and fingerprints them (for its summary) from this index
        # alone: a request reads the rows of the entries it shows, not of all ~400.
        Index(
            "ix_journal_entry_group_week_sharing",
            *("small_group_id", "week", "sharing", "draft", "shared_at", "version", "updated_at"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    small_group_id: int | None = Field(
        default=None, foreign_key="small_group.id", index=True, ondelete="SET NULL"
    )
    client_uuid: str = Field(max_length=36)
    week: int | None = None
    prompt_id: str | None = Field(default=None, max_length=80)
    title: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    body: str = Field(default="", sa_column=Column(EncryptedText, nullable=False))
    # JSON lists of vocabulary ids and the 0-10 intensity: answers, so encrypted too.
    feelings: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    sensations: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    intensity: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    sharing: str = Field(default=Sharing.private, max_length=20, index=True)
    anonymous_to_peers: bool = False
    # Autosaved but not yet saved on purpose: never shared, listed as unfinished.
    draft: bool = True
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    shared_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    # What autosave keeps while an entry that was already saved is being changed: the form's
    # fields as JSON, encrypted, apart from the entry until the person saves them. Readers
    # never see half-typed words, nor a sharing choice the person has not made yet.
    pending: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    pending_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class ReflectionRead(SQLModel, table=True):
    """A staff member has read a shared entry (the reading room's unread markers)."""

    __tablename__ = "reflection_read"
    __table_args__ = (UniqueConstraint("entry_id", "reader_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", index=True, ondelete="CASCADE")
    reader_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    read_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class FollowUp(SQLModel, table=True):
    """A private staff flag on a shared entry, with a note only the team sees."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", unique=True, ondelete="CASCADE")
    flagged_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    note: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
