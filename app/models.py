"""The tables: people, cohorts and who belongs where, invites, sign-in sessions, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(**kwargs) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class Role(StrEnum):
    participant = "participant"
    facilitator = "facilitator"
    medical = "medical"
    admin = "admin"


STAFF_ROLES = frozenset({Role.facilitator, Role.medical, Role.admin})


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.participant, max_length=20)
    preferred_locale: str | None = Field(default=None, max_length=10)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))

    # Flask-Login's contract. The id Flask-Login stores is the sign-in session token, set on
    # the loaded object, so that revoking the server-side session really signs the device out.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.__dict__.get("_signin_token")

    def bind_signin_token(self, token: str) -> None:
        self.__dict__["_signin_token"] = token

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


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
    # The weekly large-group meeting, on the cohort's wall clock (0 = Monday).
    meeting_weekday: int | None = None
    meeting_time: str | None = Field(default=None, max_length=5)  # "18:30"
    meeting_place: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


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
    joined_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    # Kept encrypted so the facilitator can print the sheet again until the code is used.
    code: str = Field(sa_column=Column(EncryptedText, nullable=False))
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    small_group_id: int | None = Field(
        default=None, foreign_key="small_group.id", ondelete="SET NULL"
    )
    role: str = Field(default=Role.participant, max_length=20)
    label: str | None = Field(default=None, max_length=80)
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    expires_at: datetime = Field(sa_column=_when(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    used_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class SignInSession(SQLModel, table=True):
    """A server-side sign-in: the cookie only carries its random token."""

    __tablename__ = "signin_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    expires_at: datetime = Field(sa_column=_when(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    shared_device: bool = False


class AuditEvent(SQLModel, table=True):
    """Who read or changed whose data, and when. Never holds the data itself."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False, index=True))
    actor_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    subject_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=64)


class MedicineSession(SQLModel, table=True):
    """One of the cohort's ketamine sessions, on the cohort's wall clock (never stored as UTC)."""

    __tablename__ = "medicine_session"
    __table_args__ = (UniqueConstraint("cohort_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    number: int = Field(ge=1, le=3)
    starts_local: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    place: str | None = Field(default=None, max_length=200)


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
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


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
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


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
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    shared_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    # What autosave keeps while an entry that was already saved is being changed: the form's
    # fields as JSON, encrypted, apart from the entry until the person saves them. Readers
    # never see half-typed words, nor a sharing choice the person has not made yet.
    pending: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    pending_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class ReflectionRead(SQLModel, table=True):
    """A staff member has read a shared entry (the reading room's unread markers)."""

    __tablename__ = "reflection_read"
    __table_args__ = (UniqueConstraint("entry_id", "reader_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", index=True, ondelete="CASCADE")
    reader_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    read_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class FollowUp(SQLModel, table=True):
    """A private staff flag on a shared entry, with a note only the team sees."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", unique=True, ondelete="CASCADE")
    flagged_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    note: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


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
    started_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


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
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


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
    raised_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    acknowledged_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    follow_up: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    followed_up_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


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
    signed_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


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
    submitted_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class CalendarFeed(SQLModel, table=True):
    """A personal, revocable calendar address; only the hash of its secret is stored."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
