"""The participant's weeks: what opens when, what each week holds, what they have tried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from app import access, program
from app.content import Library, Resolved
from app.models import Cohort, Membership, PracticeRecord, User, utcnow

NOTE_MAX = 2000


class WeekNotOpen(Exception):
    """The week is not this participant's to open (another cohort's, or not yet open)."""


class UnknownPractice(Exception):
    """The practice is not part of that week."""


@dataclass(frozen=True)
class WeekSummary:
    number: int
    theme: str
    state: str  # "past" | "current" | "future"
    openable: bool


@dataclass(frozen=True)
class PracticeCard:
    id: str
    content: Resolved
    done: bool


@dataclass(frozen=True)
class WeekPage:
    cohort: Cohort
    number: int
    week: Resolved
    practices: list[PracticeCard]
    blocks: list[tuple[str, Resolved]]  # session-adjacent blocks, in order
    block_practices: dict[str, list[PracticeCard]]
    is_current: bool
    next_week: WeekSummary | None


@dataclass(frozen=True)
class ParticipantPlace:
    membership: Membership
    cohort: Cohort
    position: program.ProgramPosition


def place_of(db: Session, user: User, now: datetime | None = None) -> ParticipantPlace | None:
    membership = access.participant_membership(db, user)
    if membership is None:
        return None
    cohort = db.get(Cohort, membership.cohort_id)
    return ParticipantPlace(membership, cohort, program.position(cohort, now))


def _week_state(number: int, position: program.ProgramPosition) -> str:
    current = min(position.week, position.weeks)
    if number < current:
        return "past"
    if number == current and position.week >= 1:
        return "current"
    return "future"


def weeks_overview(library: Library, place: ParticipantPlace, locale: str) -> list[WeekSummary]:
    summaries = []
    for number in range(1, place.cohort.weeks + 1):
        resolved = library.get("week", f"{number:02d}", locale, place.cohort.bundle_id)
        state = _week_state(number, place.position)
        summaries.append(
            WeekSummary(
                number=number,
                theme=resolved.item.data.theme if resolved else "",
                state=state,
                openable=state != "future" or place.cohort.allow_previews,
            )
        )
    return summaries


def _records(db: Session, user: User, cohort: Cohort, week: int) -> dict[str, PracticeRecord]:
    query = select(PracticeRecord).where(
        PracticeRecord.user_id == user.id,
        PracticeRecord.cohort_id == cohort.id,
        PracticeRecord.week == week,
    )
    return {record.practice_id: record for record in db.exec(query)}


def _cards(library, cohort, locale, practice_ids, records) -> list[PracticeCard]:
    cards = []
    for practice_id in practice_ids:
        resolved = library.get("practice", practice_id, locale, cohort.bundle_id)
        record = records.get(practice_id)
        cards.append(PracticeCard(practice_id, resolved, bool(record and record.done)))
    return cards


def week_page(
    db: Session,
    library: Library,
    user: User,
    number: int,
    locale: str,
    now: datetime | None = None,
) -> WeekPage:
    place = place_of(db, user, now)
    if place is None or not 1 <= number <= place.cohort.weeks:
        raise WeekNotOpen
    overview = weeks_overview(library, place, locale)
    summary = overview[number - 1]
    if not summary.openable:
        raise WeekNotOpen
    cohort = place.cohort
    week = library.get("week", f"{number:02d}", locale, cohort.bundle_id)
    records = _records(db, user, cohort, number)
    first_day, _last = program.week_days(cohort, number)
    blocks, block_practices = [], {}
    for moment in program.session_moments(first_day, program.session_days(db, cohort)):
        block = library.get("session", moment, locale, cohort.bundle_id)
        if block is not None:
            blocks.append((moment, block))
            block_practices[moment] = _cards(
                library, cohort, locale, block.item.data.practices, records
            )
    next_week = overview[number] if number < len(overview) else None
    return WeekPage(
        cohort=cohort,
        number=number,
        week=week,
        practices=_cards(library, cohort, locale, week.item.data.practices, records),
        blocks=blocks,
        block_practices=block_practices,
        is_current=summary.state == "current",
        next_week=next_week,
    )


def practice_in_week(page: WeekPage, practice_id: str) -> PracticeCard:
    cards = list(page.practices)
    for moment_cards in page.block_practices.values():
        cards += moment_cards
    for card in cards:
        if card.id == practice_id and card.content is not None:
            return card
    raise UnknownPractice


def record_for(db: Session, user: User, page: WeekPage, practice_id: str) -> PracticeRecord | None:
    return _records(db, user, page.cohort, page.number).get(practice_id)


def _upsert(db: Session, user: User, page: WeekPage, practice_id: str, **changes) -> PracticeRecord:
    """Create or update the one record for (person, cohort, week, practice).

    Two tabs saving at once both reach here; the unique constraint lets one insert win and
    the other retries as an update, so there is never a second record.
    """
    for _attempt in range(2):
        record = record_for(db, user, page, practice_id)
        if record is None:
            record = PracticeRecord(
                user_id=user.id,
                cohort_id=page.cohort.id,
                week=page.number,
                practice_id=practice_id,
            )
        for key, value in changes.items():
            setattr(record, key, value)
        record.updated_at = utcnow()
        db.add(record)
        try:
            db.commit()
            return record
        except IntegrityError:
            db.rollback()
    raise RuntimeError("could not save the practice record")


def set_done(db: Session, user: User, page: WeekPage, practice_id: str, done: bool):
    practice_in_week(page, practice_id)
    return _upsert(db, user, page, practice_id, done=done)


def save_note(db: Session, user: User, page: WeekPage, practice_id: str, note: str):
    practice_in_week(page, practice_id)
    return _upsert(db, user, page, practice_id, note=note.strip() or None)


def practices_tried(db: Session, user: User, cohort: Cohort) -> int:
    """How many different practices the person has tried: a count, never a streak."""
    query = select(func.count(func.distinct(PracticeRecord.practice_id))).where(
        PracticeRecord.user_id == user.id,
        PracticeRecord.cohort_id == cohort.id,
        PracticeRecord.done.is_(True),
    )
    return db.exec(query).one()
