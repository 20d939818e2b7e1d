"""Responses: start or resume, save a page, finish once, and read one's own results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app import access, audit
from app.content import Library, Resolved
from app.models import (
    Answer,
    Cohort,
    ExtraAdministration,
    QuestionnaireResponse,
    User,
    utcnow,
)
from app.questionnaires import engine, safety, schedule


class NotDue(Exception):
    """That questionnaire is not open for this person now."""


class ResponseNotFound(Exception):
    """No such response of this person's (whether or not it exists for someone else)."""


@dataclass(frozen=True)
class DueItem:
    administration: str
    instrument_id: str
    title: str
    response: QuestionnaireResponse | None

    @property
    def state(self) -> str:
        if self.response is None:
            return "not_started"
        return "done" if self.response.completed_at else "in_progress"


def definition(library: Library, instrument_id: str, locale: str, bundle_id: str) -> Resolved:
    resolved = library.get("questionnaire", instrument_id, locale, bundle_id)
    if resolved is None:
        raise NotDue
    return resolved


def _place(db: Session, user: User):
    membership = access.participant_membership(db, user)
    if membership is None:
        raise NotDue
    return membership, db.get(Cohort, membership.cohort_id)


def open_windows(db: Session, cohort: Cohort, membership, now: datetime | None = None):
    """The schedule's windows open now, and any extra administration the team opened."""
    today = schedule.local_today(cohort, now)
    extras = db.exec(select(ExtraAdministration).where(ExtraAdministration.cohort_id == cohort.id))
    windows = schedule.open_windows(cohort, membership, now)
    return windows + [w for w in schedule.extra_windows(extras) if w.open_on(today)]


def open_extra(
    db: Session, actor: User, cohort: Cohort, instrument_id: str, days: int, library: Library
) -> ExtraAdministration:
    if library.get("questionnaire", instrument_id, "en", cohort.bundle_id) is None:
        raise NotDue
    today = schedule.local_today(cohort)
    extra = ExtraAdministration(
        cohort_id=cohort.id,
        instrument_id=instrument_id,
        opens_on=today,
        closes_on=today + timedelta(days=days),
        opened_by_id=actor.id,
    )
    db.add(extra)
    db.flush()
    audit.record(
        db,
        actor,
        "extra_administration_opened",
        cohort_id=cohort.id,
        object_type="questionnaire",
        object_id=instrument_id,
    )
    db.commit()
    return extra


def _responses(
    db: Session, user: User, cohort_id: int
) -> dict[tuple[str, str], QuestionnaireResponse]:
    query = select(QuestionnaireResponse).where(
        QuestionnaireResponse.user_id == user.id, QuestionnaireResponse.cohort_id == cohort_id
    )
    return {(r.administration, r.instrument_id): r for r in db.exec(query)}


def due(
    db: Session, library: Library, user: User, locale: str, now: datetime | None = None
) -> list[DueItem]:
    """What is open for the participant now, with how far they got."""
    try:
        membership, cohort = _place(db, user)
    except NotDue:
        return []
    existing = _responses(db, user, cohort.id)
    items = []
    for window in open_windows(db, cohort, membership, now):
        for instrument_id in window.instruments:
            resolved = library.get("questionnaire", instrument_id, locale, cohort.bundle_id)
            if resolved is None:
                continue
            items.append(
                DueItem(
                    window.administration,
                    instrument_id,
                    resolved.item.data.title.get(resolved.item.locale, instrument_id),
                    existing.get((window.administration, instrument_id)),
                )
            )
    return items


def start(
    db: Session,
    library: Library,
    user: User,
    instrument_id: str,
    administration: str,
    locale: str,
    now: datetime | None = None,
) -> QuestionnaireResponse:
    """Resume the response if there is one; otherwise begin it, if its window is open."""
    membership, cohort = _place(db, user)
    existing = _responses(db, user, cohort.id).get((administration, instrument_id))
    if existing is not None:
        return existing
    window = next(
        (
            w
            for w in open_windows(db, cohort, membership, now)
            if w.administration == administration
        ),
        None,
    )
    if window is None or instrument_id not in window.instruments:
        raise NotDue
    resolved = definition(library, instrument_id, locale, cohort.bundle_id)
    response = QuestionnaireResponse(
        user_id=user.id,
        cohort_id=cohort.id,
        instrument_id=instrument_id,
        instrument_version=resolved.item.data.version,
        administration=administration,
        locale=resolved.item.locale,
        bundle_id=resolved.item.bundle_id,
        bundle_version=library.bundle(resolved.item.bundle_id).meta.version,
    )
    db.add(response)
    db.commit()
    return response


def own_response(db: Session, user: User, response_id: int) -> QuestionnaireResponse:
    response = db.get(QuestionnaireResponse, response_id)
    if response is None or response.user_id != user.id:
        raise ResponseNotFound
    return response


def answers_of(db: Session, response: QuestionnaireResponse) -> tuple[dict, set[str]]:
    """The answers by item id, and which items the person has already been shown."""
    rows = db.exec(select(Answer).where(Answer.response_id == response.id))
    answers, seen = {}, set()
    for row in rows:
        seen.add(row.item_id)
        answers[row.item_id] = json.loads(row.value) if row.value is not None else None
    return answers, seen


def save_page(
    db: Session, response: QuestionnaireResponse, instrument, page_items, form: dict[str, list[str]]
) -> dict[str, str]:
    """Store each valid answer on the page; return the refused ones as {item id: reason}.

    A refused answer stores nothing for that item, and every other answer is kept.
    """
    if response.completed_at is not None:
        return {}
    errors = {}
    existing = {
        a.item_id: a for a in db.exec(select(Answer).where(Answer.response_id == response.id))
    }
    for item in page_items:
        try:
            value = engine.parse_answer(instrument, item, form.get(item.id, []))
        except engine.AnswerRefused as refused:
            errors[item.id] = refused.reason
            continue
        row = existing.get(item.id) or Answer(response_id=response.id, item_id=item.id)
        row.value = None if value is None else json.dumps(value)
        row.answered_at = utcnow()
        db.add(row)
    db.commit()
    return errors


@dataclass(frozen=True)
class Finished:
    score: engine.Score | None
    urgent: bool
    flags: list


def finish(db: Session, user: User, response: QuestionnaireResponse, instrument) -> Finished:
    """Complete the response once; a second submission changes nothing and raises no flag."""
    answers, _seen = answers_of(db, response)
    result = engine.score(instrument, answers)
    fired = engine.fired_flags(instrument, answers, result)
    if response.completed_at is None:
        response.completed_at = utcnow()
        db.add(response)
        for rule in fired:
            safety.raise_flag(
                db,
                user,
                response.cohort_id,
                source="questionnaire",
                level=rule.level,
                instrument_id=response.instrument_id,
                rule_id=rule.id,
                response_id=response.id,
            )
        audit.record(
            db,
            user,
            "questionnaire_completed",
            subject=user,
            cohort_id=response.cohort_id,
            object_type="questionnaire_response",
            object_id=response.id,
        )
        db.commit()
    return Finished(result, any(rule.level == "urgent" for rule in fired), fired)


@dataclass(frozen=True)
class ResultPoint:
    response: QuestionnaireResponse
    score: engine.Score | None


def history(db: Session, library: Library, user: User, locale: str) -> dict[str, list[ResultPoint]]:
    """The person's own completed scores per instrument, oldest first."""
    query = (
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.user_id == user.id,
            QuestionnaireResponse.completed_at.is_not(None),
        )
        .order_by(QuestionnaireResponse.completed_at)
    )
    found: dict[str, list[ResultPoint]] = {}
    for response in db.exec(query):
        resolved = library.get("questionnaire", response.instrument_id, locale, response.bundle_id)
        if resolved is None or resolved.item.data.scoring.method == "none":
            continue
        answers, _seen = answers_of(db, response)
        found.setdefault(response.instrument_id, []).append(
            ResultPoint(response, engine.score(resolved.item.data, answers))
        )
    return found
