"""The readiness board: for one session, who is ready and who needs attention, on top.

Every cell says what is known: a medical intake never done is "not done", never "no flags",
and a person is Ready only when every condition is met. An urgent flag nobody has acknowledged
weighs like a hard stop."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from app import access, audit
from app.content import Library
from app.models import (
    Cohort,
    MedicineSession,
    QuestionnaireResponse,
    Role,
    SafetyFlag,
    SmallGroup,
    User,
)
from app.sessions import checklist, consent, reviews

INTAKE = "medical-intake"
# hard stops and unacknowledged urgent flags first; then whoever is missing something
# (consents, intake, an open flag); then not started, in progress, waiting for the
# clinician's review; ready last.
STATUS_ORDER = {
    "hard_stop": 0,
    "urgent": 0,
    "not_started": 2,
    "in_progress": 3,
    "awaiting_review": 4,
    "ready": 5,
}


@dataclass(frozen=True)
class BoardRow:
    person: User
    group: SmallGroup | None
    consents_ok: bool
    intake_done: bool
    intake_flags: int  # flags the medical intake raised, acknowledged or not
    intake_to_review: int  # of those, the ones nobody has acknowledged yet
    checklist_state: str  # not_started | in_progress | ready | hard_stop
    submitted_at: object
    ride: dict | None  # only for the medical team
    flags: list[SafetyFlag] = field(default_factory=list)  # open: not yet followed up
    review: object = None  # the latest ClinicianReview, if any
    reviewer: User | None = None
    review_required: bool = True

    @property
    def proceed(self) -> bool:
        """A clinician chose "proceed", or the bundle does not ask for a review."""
        chosen = self.review is not None and self.review.outcome == "proceed"
        return chosen or not self.review_required

    @property
    def urgent_unacknowledged(self) -> bool:
        return any(f.level == "urgent" and f.acknowledged_at is None for f in self.flags)

    @property
    def ready(self) -> bool:
        """Ready only with every condition met; nothing unknown counts as clear."""
        return (
            self.checklist_state == "ready"
            and self.consents_ok
            and self.intake_done
            and not self.urgent_unacknowledged
            and self.proceed
        )

    @property
    def awaiting_review(self) -> bool:
        """Everything a participant brings is in; only the clinician's "proceed" is missing."""
        return (
            self.checklist_state == "ready"
            and self.consents_ok
            and self.intake_done
            and not self.urgent_unacknowledged
            and not self.proceed
        )

    @property
    def status(self) -> str:
        """hard_stop | urgent | ready | awaiting_review | not_started | in_progress, for the
        row's colour."""
        if self.checklist_state == "hard_stop":
            return "hard_stop"
        if self.urgent_unacknowledged:
            return "urgent"
        if self.ready:
            return "ready"
        if self.awaiting_review:
            return "awaiting_review"
        return "in_progress" if self.checklist_state == "ready" else self.checklist_state

    @property
    def unacknowledged(self) -> int:
        return sum(1 for f in self.flags if f.acknowledged_at is None)

    @property
    def attention(self) -> tuple:
        order = STATUS_ORDER[self.status]
        needs = (
            self.unacknowledged > 0
            or not self.consents_ok
            or not self.intake_done
            or self.intake_to_review > 0
        )
        return (min(order, 1) if needs else order, self.person.display_name)


@dataclass(frozen=True)
class BoardCounts:
    """What the staff home shows for a session: the board in five numbers."""

    participants: int
    ready: int
    hard_stops: int
    missing_consents: int
    missing_intakes: int
    urgent_flags: int
    awaiting_review: int


def rows(
    db: Session, library: Library, viewer: User, cohort: Cohort, session: MedicineSession
) -> list[BoardRow]:
    """The board's rows, attention first. Not audited: callers that show a person's row do."""
    definition = library.get("checklist", checklist.PRE_SESSION, "en", cohort.bundle_id)
    when = checklist.timing(cohort, session, definition.item.data) if definition else None
    ride_item = (
        next((i for i in definition.item.data.items if i.kind == "ride"), None)
        if definition is not None
        else None
    )
    groups = {g.id: g for g in access.small_groups(db, cohort.id)}
    latest_reviews = reviews.latest_by_person(db, session)
    review_required = reviews.required_before_ready(library, cohort)
    people = [(m, p) for m, p in access.roster(db, cohort.id) if m.role == Role.participant]
    ids = [person.id for _m, person in people]
    flags_of: dict[int, list[SafetyFlag]] = {}
    for flag in db.exec(
        select(SafetyFlag)
        .where(SafetyFlag.cohort_id == cohort.id, SafetyFlag.user_id.in_(ids))
        .order_by(SafetyFlag.raised_at)
    ):
        flags_of.setdefault(flag.user_id, []).append(flag)
    intakes_done = set(
        db.exec(
            select(QuestionnaireResponse.user_id).where(
                QuestionnaireResponse.cohort_id == cohort.id,
                QuestionnaireResponse.instrument_id == INTAKE,
                QuestionnaireResponse.completed_at.is_not(None),
                QuestionnaireResponse.user_id.in_(ids),
            )
        )
    )
    found = []
    for membership, person in people:
        record = checklist.submission(db, person.id, session.id)
        flags = flags_of.get(person.id, [])
        intake = [f for f in flags if f.instrument_id == INTAKE]
        ride = None
        if viewer.role == Role.medical and ride_item is not None:
            ride = checklist.answers_of(record).get(ride_item.id)
        found.append(
            BoardRow(
                person=person,
                group=groups.get(membership.small_group_id),
                consents_ok=consent.has_session_consents(db, library, person, cohort),
                intake_done=person.id in intakes_done,
                intake_flags=len(intake),
                intake_to_review=sum(1 for f in intake if f.acknowledged_at is None),
                checklist_state=(
                    checklist.state_now(record, definition.item.data, when)
                    if definition is not None
                    else (record.state if record else "not_started")
                ),
                submitted_at=record.submitted_at if record else None,
                ride=ride,
                flags=[f for f in flags if f.followed_up_at is None],
                review=latest_reviews.get(person.id, (None, None))[0],
                reviewer=latest_reviews.get(person.id, (None, None))[1],
                review_required=review_required,
            )
        )
    return sorted(found, key=lambda row: row.attention)


def board(
    db: Session, library: Library, viewer: User, cohort: Cohort, session: MedicineSession
) -> list[BoardRow]:
    """The board as a person on the team opens it: every view is audited."""
    found = rows(db, library, viewer, cohort, session)
    audit.record(
        db,
        viewer,
        "viewed_readiness_board",
        cohort_id=cohort.id,
        object_type="medicine_session",
        object_id=session.id,
    )
    db.commit()
    return found


def counts(found: list[BoardRow]) -> BoardCounts:
    return BoardCounts(
        participants=len(found),
        ready=sum(1 for r in found if r.ready),
        hard_stops=sum(1 for r in found if r.checklist_state == "hard_stop"),
        missing_consents=sum(1 for r in found if not r.consents_ok),
        missing_intakes=sum(1 for r in found if not r.intake_done),
        urgent_flags=sum(
            1 for r in found for f in r.flags if f.level == "urgent" and f.acknowledged_at is None
        ),
        awaiting_review=sum(1 for r in found if r.awaiting_review),
    )
