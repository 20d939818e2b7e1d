"""Deleting a withdrawn participant's data, when that is what they chose.

Which tables hold a person's data is read from the schema, not listed by hand, so a table
added later (its `user_id` pointing at the account with ON DELETE CASCADE: the person owns
the row) is deleted with the rest without anyone remembering to add it here. The audit trail
(which only names people by id, and whose links are SET NULL) and the withdrawal record stay.

With other cohorts left, only what belongs to the cohort left is deleted: rows with that
`cohort_id`, or pointing at a row that has it (a checklist for one of its sessions). With none
left, everything the person owns goes and the account keeps no name or email, only its id.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, select
from sqlmodel import Session, SQLModel

from app.models import User

KEPT = frozenset({"user_account", "audit_event", "withdrawal"})
# Not an argon2 hash, so no password ever verifies against it.
ERASED_PASSWORD_HASH = "!erased"  # noqa: S105
ERASED_EMAIL_DOMAIN = "@accounts.invalid"


def _owned_by_person(table: Table):
    """The columns of `table` that make a row the person's own (FK to the account, CASCADE)."""
    return [
        fk.parent
        for fk in table.foreign_keys
        if fk.column.table.name == "user_account" and (fk.ondelete or "").upper() == "CASCADE"
    ]


def _cohort_scope(table: Table, cohort_id: int):
    """A condition keeping the rows of `table` that belong to the cohort, or None."""
    if "cohort_id" in table.c:
        return table.c.cohort_id == cohort_id
    for fk in table.foreign_keys:
        parent = fk.column.table
        if "cohort_id" in parent.c and parent.name != "user_account":
            ids = select(fk.column).where(parent.c.cohort_id == cohort_id)
            return fk.parent.in_(ids)
    return None


def erase_cohort_data(db: Session, user: User, cohort_id: int) -> None:
    """Delete what the person wrote and answered in one cohort."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in KEPT:
            continue
        scope = _cohort_scope(table, cohort_id)
        if scope is None:
            continue
        for column in _owned_by_person(table):
            db.exec(delete(table).where(column == user.id, scope))


def erase_everything(db: Session, user: User) -> None:
    """Delete all the person owns, and the name and email on the account itself."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in KEPT:
            continue
        for column in _owned_by_person(table):
            db.exec(delete(table).where(column == user.id))
    user.email = f"deleted-{user.id}{ERASED_EMAIL_DOMAIN}"
    user.display_name = "—"
    user.password_hash = ERASED_PASSWORD_HASH
    user.preferred_locale = None
    user.active = False
    db.add(user)


def is_erased(user: User) -> bool:
    return user.password_hash == ERASED_PASSWORD_HASH
