"""What leaves the app: the notification outbox, push devices, reminder choices, and the
cohort's alert contacts (on-call and escalation addresses)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class Delivery(StrEnum):
    pending = "pending"  # due (or due later); no worker holds it
    sending = "sending"  # a worker holds it until claimed_until
    sent = "sent"
    failed = "failed"  # not delivered: every attempt used, or refused for good
    cancelled = "cancelled"  # no longer needed (the flag was acknowledged, nothing to digest)


class Notification(SQLModel, table=True):
    """One message to one recipient on one channel, written in the transaction of its cause.

    The row is the source of truth: a worker claims it, sends it and records the outcome.
    `dedup_key` is unique, so the same cause (a flag, a reminder occurrence, an escalation
    round) is enqueued once however many times or processes try.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status_due_at", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    channel: str = Field(max_length=10)  # email | push
    user_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="CASCADE"
    )
    # An address with no account behind it (a cohort's on-call or escalation contact).
    address: str | None = Field(default=None, max_length=254)
    cohort_id: int | None = Field(
        default=None, foreign_key="cohort.id", index=True, ondelete="CASCADE"
    )
    flag_id: int | None = Field(
        default=None, foreign_key="safety_flag.id", index=True, ondelete="CASCADE"
    )
    # JSON the message templates need (links, a round number). Encrypted: a kind may carry a
    # secret link (a password reset), and nothing here is ever logged.
    context: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    dedup_key: str = Field(max_length=160, unique=True)
    due_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    status: str = Field(default=Delivery.pending, max_length=12)
    attempts: int = 0
    claimed_until: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    claim_token: str | None = Field(default=None, max_length=32)
    # A category of the last failure ("smtp 450", "timeout"), never message content.
    last_error: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class PushDevice(SQLModel, table=True):
    """A browser's Web Push subscription, one per device a person turned notifications on."""

    __tablename__ = "push_device"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    # Hash of the device cookie: sign-out on this device drops this device's subscription.
    device_hash: str = Field(max_length=64, index=True)
    endpoint_hash: str = Field(max_length=64, unique=True)
    # The endpoint URL is a capability to wake the phone and the keys encrypt to it: at rest,
    # both are encrypted like any personal data.
    subscription: str = Field(sa_column=Column(EncryptedText, nullable=False))
    label: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    last_sent_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class ReminderChoice(SQLModel, table=True):
    """A participant's reminders: every type off until they turn it on."""

    __tablename__ = "reminder_choice"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    checklist_open: bool = False
    evening_before: bool = False
    weekly_practice: bool = False
    check_in_due: bool = False
    by_push: bool = False
    by_email: bool = False
    # Wall-clock times in the cohort's zone; both empty ("") means no quiet hours.
    quiet_from: str | None = Field(default="21:00", max_length=5)
    quiet_until: str | None = Field(default="08:00", max_length=5)
    several_a_day: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))


class AlertContact(SQLModel, table=True):
    """An address outside the team's accounts that a cohort's safety alerts also go to."""

    __tablename__ = "alert_contact"
    __table_args__ = (UniqueConstraint("cohort_id", "purpose", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)  # on_call | escalation
    email: str = Field(max_length=254)
    added_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
