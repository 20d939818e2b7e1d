"""Exercise timing, records with idempotent replays, and the before/after history."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app import access
from app.content import Library, Resolved
from app.content.schemas import Exercise
from app.models import Cohort, ExerciseRecord, User

DEFAULT_BUNDLE = "core"
RATING_MIN, RATING_MAX = 0, 10
HISTORY_LIMIT = 60


class UnknownExercise(Exception):
    """No exercise with that id in the visitor's bundle."""


@dataclass(frozen=True)
class Segment:
    """One timed part of an exercise: a breath phase or a step, from start to end seconds."""

    index: int  # phase index within the pattern, or step index
    start: float
    end: float
    motion: str  # expand | contract | still (steps are still)


def bundle_for(db: Session, user: User | None) -> str:
    """The visitor's cohort bundle when they are a participant; the core bundle otherwise."""
    if user is not None and user.is_authenticated:
        membership = access.participant_membership(db, user)
        if membership is not None:
            cohort = db.get(Cohort, membership.cohort_id)
            return cohort.bundle_id
    return DEFAULT_BUNDLE


def exercise(library: Library, exercise_id: str, locale: str, bundle_id: str) -> Resolved:
    resolved = library.get("exercise", exercise_id, locale, bundle_id)
    if resolved is None:
        raise UnknownExercise
    return resolved


def all_exercises(library: Library, locale: str, bundle_id: str) -> list[Resolved]:
    ids = sorted(library.ids("exercise", bundle_id))
    found = [library.get("exercise", exercise_id, locale, bundle_id) for exercise_id in ids]
    breathing_first = sorted(found, key=lambda r: (r.item.data.kind != "breathing", r.item.id))
    return breathing_first


GROUPS = ("breath", "grounding", "body")
QUICK_START = "extended-exhale"


def grouped_exercises(
    library: Library, locale: str, bundle_id: str
) -> list[tuple[str, list[Resolved]]]:
    """Settle's shelves, in order: breath, grounding, body; an empty shelf is left out."""
    found = all_exercises(library, locale, bundle_id)
    shelves = [(g, [r for r in found if r.item.data.settle_group == g]) for g in GROUPS]
    return [(group, items) for group, items in shelves if items]


def quick_start(exercises: list[Resolved]) -> Resolved | None:
    """The one-tap breath: the gentle extended exhale when the bundle has it, else the first
    breathing exercise that offers one minute."""
    one_minute = [
        r for r in exercises if r.item.data.kind == "breathing" and 1 in r.item.data.durations
    ]
    preferred = [r for r in one_minute if r.item.id == QUICK_START]
    return (preferred or one_minute or [None])[0]


def cycles_for(definition: Exercise, minutes: int) -> int:
    """Whole breath cycles that fit the chosen time best (at least one)."""
    return max(1, round(minutes * 60 / definition.cycle_seconds))


def timeline(definition: Exercise, minutes: int) -> list[Segment]:
    """The exercise laid out in seconds from its start, for the chosen duration.

    Breathing repeats the pattern in whole cycles; steps are stretched in proportion so that
    they fill the chosen time. The player schedules from these boundaries on a monotonic
    clock, so timing does not drift however long it runs.
    """
    segments, t = [], 0.0
    if definition.kind == "breathing":
        for _cycle in range(cycles_for(definition, minutes)):
            for index, phase in enumerate(definition.pattern):
                segments.append(Segment(index, t, t + phase.seconds, phase.motion))
                t += phase.seconds
        return segments
    # Each boundary from the written seconds so far, not by adding stretched lengths: the
    # last one is exactly the chosen time (written/written is 1.0), with no rounding carried.
    written = list(accumulate(step.seconds for step in definition.steps))
    for index, so_far in enumerate(written):
        end = minutes * 60 * (so_far / written[-1])
        segments.append(Segment(index, t, end, "still"))
        t = end
    return segments


def total_seconds(definition: Exercise, minutes: int) -> float:
    segments = timeline(definition, minutes)
    return segments[-1].end if segments else 0.0


class RatingRefused(ValueError):
    """A rating that is not a whole number from 0 to 10."""


def parse_rating(raw: str | None) -> int | None:
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    # int() also reads "1_0" and non-ASCII digits; a rating is plain digits only.
    if not (text.isascii() and text.isdigit()):
        raise RatingRefused
    value = int(text)
    if not RATING_MIN <= value <= RATING_MAX:
        raise RatingRefused
    return value


@dataclass(frozen=True)
class Saved:
    record: ExerciseRecord
    replayed: bool
    refused_ratings: tuple[str, ...]


def valid_uuid(raw: str | None) -> str | None:
    try:
        return str(uuid_module.UUID(str(raw)))
    except (ValueError, TypeError, AttributeError):
        return None


def save_record(
    db: Session,
    user: User,
    *,
    client_uuid: str,
    exercise_id: str,
    minutes: int,
    seconds_completed: int,
    before: str | None,
    after: str | None,
) -> Saved:
    """Store one use of an exercise once per client UUID; a bad rating is left out, not fatal."""
    existing = _by_uuid(db, user, client_uuid)
    if existing is not None:
        return Saved(existing, replayed=True, refused_ratings=())
    refused, ratings = [], {}
    for name, raw in (("before", before), ("after", after)):
        try:
            value = parse_rating(raw)
        except RatingRefused:
            refused.append(name)
            value = None
        ratings[name] = None if value is None else str(value)
    record = ExerciseRecord(
        user_id=user.id,
        client_uuid=client_uuid,
        exercise_id=exercise_id,
        minutes=minutes,
        seconds_completed=max(0, min(seconds_completed, 60 * 60)),
        **ratings,
    )
    db.add(record)
    try:
        db.commit()
    except IntegrityError:
        # The same UUID arrived twice at once; the first one won.
        db.rollback()
        return Saved(_by_uuid(db, user, client_uuid), replayed=True, refused_ratings=())
    return Saved(record, replayed=False, refused_ratings=tuple(refused))


def _by_uuid(db: Session, user: User, client_uuid: str) -> ExerciseRecord | None:
    query = select(ExerciseRecord).where(
        ExerciseRecord.user_id == user.id, ExerciseRecord.client_uuid == client_uuid
    )
    return db.exec(query).first()


@dataclass(frozen=True)
class HistoryPoint:
    when: datetime
    exercise_id: str
    before: int | None
    after: int | None


def history(db: Session, user: User, limit: int = HISTORY_LIMIT) -> list[HistoryPoint]:
    """The person's own records, oldest first; only ever their own."""
    query = (
        select(ExerciseRecord)
        .where(ExerciseRecord.user_id == user.id)
        .order_by(ExerciseRecord.created_at.desc(), ExerciseRecord.id.desc())
        .limit(limit)
    )
    points = [
        HistoryPoint(
            when=r.created_at,
            exercise_id=r.exercise_id,
            before=int(r.before) if r.before is not None else None,
            after=int(r.after) if r.after is not None else None,
        )
        for r in db.exec(query)
    ]
    return list(reversed(points))


def average_change(points: list[HistoryPoint]) -> float | None:
    """Mean of (before - after) over records with both ratings: positive means calmer."""
    pairs = [p.before - p.after for p in points if p.before is not None and p.after is not None]
    if not pairs:
        return None
    return sum(pairs) / len(pairs)
