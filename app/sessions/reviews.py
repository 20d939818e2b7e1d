"""The medical team's review of each participant before a medicine session.

Tend records the outcome a clinician chose and never proposes one. Every review stays on
record; the latest one for a person and session is what the board shows.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app import audit
from app.content import Library
from app.models import ClinicianReview, Cohort, MedicineSession, User

OUTCOMES = ("proceed", "hold", "not_this_session")
NOTE_LIMIT = 2000


def record(
    db: Session,
    reviewer: User,
    cohort: Cohort,
    session: MedicineSession,
    person: User,
    outcome: str,
    note: str | None,
) -> ClinicianReview:
    """Add the review and its audit event in one transaction (the note is never audited)."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    review = ClinicianReview(
        cohort_id=cohort.id,
        session_id=session.id,
        user_id=person.id,
        reviewer_id=reviewer.id,
        outcome=outcome,
        note=(note or "").strip()[:NOTE_LIMIT] or None,
    )
    db.add(review)
    db.flush()
    audit.record(
        db,
        reviewer,
        "recorded_clinician_review",
        subject=person,
        cohort_id=cohort.id,
        object_type="clinician_review",
        object_id=review.id,
    )
    db.commit()
    return review


def history(
    db: Session, viewer: User, cohort: Cohort, session: MedicineSession, person: User
) -> list[tuple[ClinicianReview, User | None]]:
    """Every review of the person for the session, newest first, with its reviewer; reading
    them (notes included) is audited."""
    query = (
        select(ClinicianReview, User)
        .join(User, User.id == ClinicianReview.reviewer_id, isouter=True)
        .where(ClinicianReview.session_id == session.id, ClinicianReview.user_id == person.id)
        .order_by(ClinicianReview.reviewed_at.desc(), ClinicianReview.id.desc())
    )
    found = list(db.exec(query))
    audit.record(
        db,
        viewer,
        "viewed_clinician_reviews",
        subject=person,
        cohort_id=cohort.id,
        object_type="medicine_session",
        object_id=session.id,
    )
    db.commit()
    return found


def latest_by_person(
    db: Session, session: MedicineSession
) -> dict[int, tuple[ClinicianReview, User | None]]:
    """The latest review of each person for the session, with its reviewer."""
    query = (
        select(ClinicianReview, User)
        .join(User, User.id == ClinicianReview.reviewer_id, isouter=True)
        .where(ClinicianReview.session_id == session.id)
        .order_by(ClinicianReview.reviewed_at, ClinicianReview.id)
    )
    return {review.user_id: (review, reviewer) for review, reviewer in db.exec(query)}


def required_before_ready(library: Library, cohort: Cohort) -> bool:
    """Whether the cohort's bundle asks for a clinician's "proceed" before anyone is Ready.
    On unless the bundle turns it off; an unknown bundle keeps it on."""
    bundle = library.bundle(cohort.bundle_id) if cohort.bundle_id else None
    return True if bundle is None else bundle.meta.clinician_review_before_ready
