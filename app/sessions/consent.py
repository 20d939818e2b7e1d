"""Versioned consents: what was shown (its hash), what was chosen, signed by typed name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session, select

from app import audit
from app.content import Library, Resolved
from app.models import ConsentRecord, User, utcnow
from app.questionnaires import safety
from app.text_input import one_line

ORDER = ("treatment", "confidentiality", "touch", "sharing", "research")
# Without these on file there is no medicine session: the board and the session check them.
NEEDED_FOR_SESSION = ("treatment", "confidentiality")
# Withdrawing the research consent changes nothing in the person's care, only what later
# evaluation exports hold, so it is theirs alone; every other withdrawal reaches the team.
PRIVATE_WITHDRAWALS = ("research",)


class ConsentRefused(ValueError):
    """An empty name, or a choice the document does not offer."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def documents(library: Library, bundle_id: str, locale: str) -> list[Resolved]:
    ids = library.ids("consent", bundle_id)
    ordered = [i for i in ORDER if i in ids] + sorted(ids - set(ORDER))
    return [library.get("consent", i, locale, bundle_id) for i in ordered]


def text_hash(resolved: Resolved) -> str:
    """The SHA-256 of exactly what the person read: title, body and the choices offered."""
    document = resolved.item.data
    shown = "\n".join(
        [document.title, str(resolved.item.body)] + [c.text for c in document.choices]
    )
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


def current_records(db: Session, user: User, cohort_id: int) -> dict[str, ConsentRecord]:
    """The latest record per document (withdrawn ones included, marked by withdrawn_at)."""
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.user_id == user.id, ConsentRecord.cohort_id == cohort_id)
        .order_by(ConsentRecord.signed_at, ConsentRecord.id)
    )
    latest: dict[str, ConsentRecord] = {}
    for record in db.exec(query):
        latest[record.document_id] = record
    return latest


@dataclass(frozen=True)
class ConsentStatus:
    document: Resolved
    record: ConsentRecord | None

    @property
    def signed_current(self) -> bool:
        return (
            self.record is not None
            and self.record.withdrawn_at is None
            and self.record.version == self.document.item.data.version
        )

    @property
    def needs_answer(self) -> bool:
        return self.document.item.data.required and not self.signed_current


def statuses(db: Session, library: Library, user: User, cohort, locale: str):
    records = current_records(db, user, cohort.id)
    return [
        ConsentStatus(document, records.get(document.item.id))
        for document in documents(library, cohort.bundle_id, locale)
    ]


def sign(
    db: Session, user: User, cohort_id: int, resolved: Resolved, choice: str | None, typed_name: str
) -> ConsentRecord:
    document = resolved.item.data
    if not typed_name or not typed_name.strip():
        raise ConsentRefused("name")
    offered = {c.id for c in document.choices}
    if offered and choice not in offered:
        raise ConsentRefused("choice")
    record = ConsentRecord(
        user_id=user.id,
        cohort_id=cohort_id,
        document_id=resolved.item.id,
        version=document.version,
        text_sha256=text_hash(resolved),
        locale=resolved.item.locale,
        choice=choice if offered else None,
        signed_name=one_line(typed_name)[:120],
    )
    db.add(record)
    db.flush()
    audit.record(
        db,
        user,
        "consent_signed",
        subject=user,
        cohort_id=cohort_id,
        object_type="consent",
        object_id=f"{resolved.item.id}@v{document.version}",
    )
    db.commit()
    return record


def on_file(db: Session, user: User, cohort_id: int, document_id: str) -> ConsentRecord | None:
    """The person's latest signature of the document, unless it has been withdrawn."""
    record = current_records(db, user, cohort_id).get(document_id)
    return record if record is not None and record.withdrawn_at is None else None


def withdraw(
    db: Session, user: User, cohort_id: int, document_id: str, library: Library, bundle_id: str
) -> bool:
    """Withdraw from now on. Nothing is deleted: the signed record keeps its date of withdrawal
    (deleting data is closing the account). The team is told with a review flag, which the
    board, the flags page and the daily digest show, unless the withdrawal is the person's own
    business (PRIVATE_WITHDRAWALS)."""
    if library.get("consent", document_id, "en", bundle_id) is None:
        return False
    record = on_file(db, user, cohort_id, document_id)
    if record is None:
        return False
    record.withdrawn_at = utcnow()
    audit.record(
        db,
        user,
        "consent_withdrawn",
        subject=user,
        cohort_id=cohort_id,
        object_type="consent",
        object_id=document_id,
    )
    if document_id not in PRIVATE_WITHDRAWALS:
        safety.raise_flag(
            db, user, cohort_id, source="consent", level="review", rule_id=document_id
        )
    db.commit()
    return True


def has_session_consents(db: Session, library: Library, user: User, cohort) -> bool:
    records = current_records(db, user, cohort.id)
    for document_id in NEEDED_FOR_SESSION:
        resolved = library.get("consent", document_id, "en", cohort.bundle_id)
        record = records.get(document_id)
        if resolved is None or record is None or record.withdrawn_at is not None:
            return False
        if record.version != resolved.item.data.version:
            return False
    return True


def research_consent(db: Session, user_id: int) -> bool:
    """True only while the person's latest research consent says yes and is not withdrawn."""
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.document_id == "research")
        .order_by(ConsentRecord.signed_at.desc(), ConsentRecord.id.desc())
    )
    latest = db.exec(query).first()
    return latest is not None and latest.withdrawn_at is None and latest.choice == "yes"
