"""What every export reads: the consenting participants' study codes, their completed outcome
responses with answers (streamed in order), attendance counts, and the instrument files."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, select

from app.content import Library
from app.content.schemas import Questionnaire
from app.meetings import services as meetings
from app.models import (
    Answer,
    Cohort,
    ConsentRecord,
    Membership,
    QuestionnaireResponse,
    Role,
    StudyCode,
)
from app.questionnaires.schedule import OUTCOMES, is_late_baseline

# Rows read from the database at a time while streaming.
BATCH = 500
# Free text never leaves in an evaluation export.
EXPORTED_TYPES = ("choice", "multi", "yesno", "number", "date")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class Completed:
    """One completed response with its answers by item id."""

    response: QuestionnaireResponse
    code: str
    answers: dict
    # A baseline finished on or after the day of the first medicine session, as the outcomes
    # CSV says: it no longer measures "before", and the evaluation should know.
    late_baseline: bool = False


def instruments(library: Library, cohort: Cohort) -> list[tuple[str, Questionnaire]]:
    """The outcome instruments of the cohort's bundle, in their English (original) wording."""
    found = []
    for instrument_id in OUTCOMES:
        resolved = library.get("questionnaire", instrument_id, "en", cohort.bundle_id)
        if resolved is not None:
            found.append((instrument_id, resolved.item.data))
    return found


def exported_items(definition: Questionnaire):
    return [item for item in definition.items if item.type in EXPORTED_TYPES]


def consenting(db: Session, cohort: Cohort) -> set[int]:
    """Participants of the cohort whose latest evaluation consent says yes, not withdrawn
    (the rule of sessions.consent.research_consent, read for the whole cohort at once)."""
    participants = select(Membership.user_id).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.participant
    )
    query = (
        select(ConsentRecord.user_id, ConsentRecord.choice, ConsentRecord.withdrawn_at)
        .where(ConsentRecord.document_id == "research", ConsentRecord.user_id.in_(participants))
        .order_by(ConsentRecord.user_id, ConsentRecord.signed_at.desc(), ConsentRecord.id.desc())
    )
    latest: dict[int, bool] = {}
    for user_id, choice, withdrawn_at in db.exec(query):
        if user_id not in latest:
            latest[user_id] = choice == "yes" and withdrawn_at is None
    return {user_id for user_id, yes in latest.items() if yes}


def study_codes(db: Session, cohort: Cohort, user_ids: set[int]) -> dict[int, str]:
    """Each consenting participant's random code in this cohort, made on first export and the
    same ever after, so a later export updates the same records."""
    # Two columns, not whole rows: for thousands of people the entities were most of the
    # export's peak memory.
    query = select(StudyCode.user_id, StudyCode.code).where(StudyCode.cohort_id == cohort.id)
    codes = dict(db.exec(query).all())
    made = False
    for user_id in sorted(user_ids - codes.keys()):
        code = "T" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(9))
        db.add(StudyCode(user_id=user_id, cohort_id=cohort.id, code=code))
        codes[user_id] = code
        made = True
    if made:
        db.commit()
    return {user_id: code for user_id, code in codes.items() if user_id in user_ids}


def completed(db: Session, cohort: Cohort, codes: dict[int, str]) -> Iterator[Completed]:
    """Completed outcome responses of the coded participants, with their answers, in order of
    study code and response; read in batches, never all at once."""
    # Only people with a study code are read (a join, not a list of thousands of ids bound
    # into the statement); a code of someone who has since withdrawn is skipped below.
    query = (
        select(QuestionnaireResponse, Answer.item_id, Answer.value)
        .join(
            StudyCode,
            (StudyCode.user_id == QuestionnaireResponse.user_id)
            & (StudyCode.cohort_id == QuestionnaireResponse.cohort_id),
        )
        .outerjoin(Answer, Answer.response_id == QuestionnaireResponse.id)
        .where(
            QuestionnaireResponse.cohort_id == cohort.id,
            QuestionnaireResponse.instrument_id.in_(list(OUTCOMES)),
            QuestionnaireResponse.completed_at.is_not(None),
        )
        # By study code, not account: the order of the records says nothing of who came first.
        .order_by(StudyCode.code, QuestionnaireResponse.id)
        .execution_options(yield_per=BATCH)
    )
    from app.questionnaires.outcomes import completed_day
    from app.questionnaires.services import first_session_day

    first_session = first_session_day(db, cohort)

    def done(response, answers) -> Completed:
        late = is_late_baseline(
            response.administration, completed_day(cohort, response), first_session
        )
        return Completed(response, codes[response.user_id], answers, late)

    current, answers = None, {}
    for response, item_id, value in db.exec(query):
        if response.user_id not in codes:
            continue
        if current is not None and response.id != current.id:
            yield done(current, answers)
            answers = {}
        current = response
        if item_id is not None:
            answers[item_id] = json.loads(value) if value is not None else None
    if current is not None:
        yield done(current, answers)


def attendance(db: Session, cohort: Cohort, codes: dict[int, str]) -> dict[int, dict[str, int]]:
    counts = meetings.attendance_counts(db, cohort.id)
    return {user_id: counts[user_id] for user_id in codes if user_id in counts}
