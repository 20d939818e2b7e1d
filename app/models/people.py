"""People and what makes them who they are to Tend: roles, sign-in sessions, invites, audit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedText
from app.models.base import utcnow, when_column


class Role(StrEnum):
    participant = "participant"
    facilitator = "facilitator"
    medical = "medical"
    admin = "admin"
    # The wider team. A therapist holds a small group as a facilitator does (their account
    # acts as one); somatic practitioners and knowledge keepers see only what their work needs.
    therapist = "therapist"
    somatic = "somatic"
    knowledge_keeper = "knowledge_keeper"


STAFF_ROLES = frozenset(
    {Role.facilitator, Role.medical, Role.admin, Role.somatic, Role.knowledge_keeper}
)


def account_role(cohort_role: str) -> Role:
    """The role an account acts in for a role held in a cohort: a therapist's is a
    facilitator's; every other role is its own."""
    return Role.facilitator if cohort_role == Role.therapist else Role(cohort_role)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.participant, max_length=20)
    preferred_locale: str | None = Field(default=None, max_length=10)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    password_changed_at: datetime = Field(
        default_factory=utcnow, sa_column=when_column(nullable=False)
    )

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
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    expires_at: datetime = Field(sa_column=when_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    used_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class SignInSession(SQLModel, table=True):
    """A server-side sign-in: the cookie only carries its random token."""

    __tablename__ = "signin_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False))
    expires_at: datetime = Field(sa_column=when_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    shared_device: bool = False
    # How this sign-in passed its second factor ("totp", "passkey", "recovery"), or None when
    # it was a password alone: staff pages refuse such a session when a factor is required.
    second_factor: str | None = Field(default=None, max_length=16)


class AuditEvent(SQLModel, table=True):
    """Who read or changed whose data, and when. Never holds the data itself."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=when_column(nullable=False, index=True))
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
