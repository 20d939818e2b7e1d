"""The readiness board: for one session, who is ready and who needs attention, on top."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app import access, audit
from app.content import Library
from app.models import Cohort, MedicineSession, Role, SafetyFlag, SmallGroup, User
from app.sessions import checklist, consent, reviews

STATE_ORDER = {"hard_stop": 0, "not_started": 2, "in_progress": 3, "awaiting_review": 4, "ready": 5}


@dataclass(frozen=True)
class BoardRow:
    person: User
    group: SmallGroup | None
    consents_ok: bool
    intake_flags: str  # none | to_review | reviewed
    checklist_state: str  # not_started | in_progress | ready | hard_stop
    submitted_at: object
    ride: dict | None  # only for the medical team
    open_flags: int
    review: object = None  # the latest ClinicianReview, if any
    reviewer: User | None = None
    review_required: bool = True

    @property
    def state(self) -> str:
        """The checklist's state, except that a done checklist is Ready only once a clinician
        chose "proceed" when the bundle asks for it."""
        proceed = self.review is not None and self.review.outcome == "proceed"
        if self.checklist_state == "ready" and self.review_required and not proceed:
            return "awaiting_review"
        return self.checklist_state

    @property
    def attention(self) -> tuple:
        needs = self.open_flags > 0 or not self.consents_ok or self.intake_flags == "to_review"
        order = STATE_ORDER[self.state]
        return (min(order, 1) if needs else order, self.person.display_name)


def board(
    db: Session, library: Library, viewer: User, cohort: Cohort, session: MedicineSession
) -> list[BoardRow]:
    definition = library.get("checklist", checklist.PRE_SESSION, "en", cohort.bundle_id)
    groups = {g.id: g for g in access.small_groups(db, cohort.id)}
    latest_reviews = reviews.latest_by_person(db, session)
    review_required = reviews.required_before_ready(library, cohort)
    rows = []
    for membership, person in access.roster(db, cohort.id):
        if membership.role != Role.participant:
            continue
        record = checklist.submission(db, person.id, session.id)
        answers = checklist.answers_of(record)
        flags = list(
            db.exec(
                select(SafetyFlag).where(
                    SafetyFlag.user_id == person.id, SafetyFlag.cohort_id == cohort.id
                )
            )
        )
        intake = [f for f in flags if f.instrument_id == "medical-intake"]
        intake_state = (
            "none"
            if not intake
            else ("reviewed" if all(f.acknowledged_at for f in intake) else "to_review")
        )
        ride = None
        if viewer.role == Role.medical and definition is not None:
            ride_item = next((i for i in definition.item.data.items if i.kind == "ride"), None)
            ride = answers.get(ride_item.id) if ride_item else None
        rows.append(
            BoardRow(
                person=person,
                group=groups.get(membership.small_group_id),
                consents_ok=consent.has_session_consents(db, library, person, cohort),
                intake_flags=intake_state,
                checklist_state=record.state if record else "not_started",
                submitted_at=record.submitted_at if record else None,
                ride=ride,
                open_flags=sum(1 for f in flags if f.acknowledged_at is None),
                review=latest_reviews.get(person.id, (None, None))[0],
                reviewer=latest_reviews.get(person.id, (None, None))[1],
                review_required=review_required,
            )
        )
    audit.record(
        db,
        viewer,
        "viewed_readiness_board",
        cohort_id=cohort.id,
        object_type="medicine_session",
        object_id=session.id,
    )
    db.commit()
    return sorted(rows, key=lambda row: row.attention)
