"""Responses: start or resume, save a page, finish once, and read one's own results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app import access, audit, program
from app.content import Library, Resolved
from app.models import (
    Answer,
    Cohort,
    ExtraAdministration,
    QuestionnaireResponse,
    SafetyFlag,
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
    short_name: str | None = None
    minutes: int | None = None
    before_session: bool = False

    @property
    def state(self) -> str:
        if self.response is None:
            return "not_started"
        return "done" if self.response.completed_at else "in_progress"

    @property
    def key(self) -> tuple[str, str]:
        return (self.administration, self.instrument_id)


def _needed_next(item: DueItem) -> tuple[bool, bool, bool]:
    """What is still to do before what is done; among those, what a session needs first,
    then what was started."""
    return (item.state == "done", not item.before_session, item.state != "in_progress")


def after(items: list[DueItem], response: QuestionnaireResponse) -> DueItem | None:
    """The check-in to offer once this one is finished: the first still to do."""
    finished = (response.administration, response.instrument_id)
    return next((i for i in items if i.state != "done" and i.key != finished), None)


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
    windows = schedule.open_windows(
        cohort, membership, now, first_session_day(db, cohort), baseline_closes(cohort)
    )
    return windows + [w for w in schedule.extra_windows(extras) if w.open_on(today)]


def first_session_day(db: Session, cohort: Cohort):
    """The day of the cohort's first medicine session, if one is set."""
    days = program.session_days(db, cohort)
    return days[0] if days else None


def baseline_closes(cohort: Cohort) -> str:
    """The cohort's bundle's rule for when the baseline closes (first_session by default)."""
    from flask import has_app_context

    from app.content import library

    bundle = library().bundle(cohort.bundle_id) if has_app_context() else None
    return bundle.meta.baseline_closes if bundle is not None else "first_session"


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
            data, locale = resolved.item.data, resolved.item.locale
            items.append(
                DueItem(
                    window.administration,
                    instrument_id,
                    data.plain_title.get(locale) or data.title.get(locale, instrument_id),
                    existing.get((window.administration, instrument_id)),
                    short_name=data.short_name,
                    minutes=data.minutes,
                    before_session=data.before_session,
                )
            )
    # A stable sort: the schedule's own order stays within each rank.
    return sorted(items, key=_needed_next)


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


@dataclass(frozen=True)
class Saved:
    errors: dict[str, str]  # refused answers as {item id: reason}
    raised: list  # flags this save raised (each rule raises once per response)

    @property
    def urgent(self) -> bool:
        return any(flag.level == "urgent" for flag in self.raised)


def _raised_rules(db: Session, response: QuestionnaireResponse) -> dict[str, SafetyFlag]:
    query = select(SafetyFlag).where(SafetyFlag.response_id == response.id)
    return {flag.rule_id: flag for flag in db.exec(query)}


def save_screen(
    db: Session,
    response: QuestionnaireResponse,
    instrument,
    page_items,
    form: dict[str, list[str]],
    *,
    moving_on: bool = True,
) -> Saved:
    """Store each valid answer on the screen, then act on its risk answers at once.

    A refused answer stores nothing for that item, and every other answer is kept. An item
    rule (item 9 above 0, item 9 left blank) raises its flag in this same transaction, so the
    team is alerted whether or not the person ever reaches Finish; a rule raises once per
    response, and an answer changed afterwards keeps the flag and marks it changed. A blank
    counts as "not answered" only when the person moves on past it, not when going Back.
    """
    if response.completed_at is not None:
        return Saved({}, [])
    errors = {}
    existing = {
        a.item_id: a for a in db.exec(select(Answer).where(Answer.response_id == response.id))
    }
    changed = set()
    for item in page_items:
        try:
            value = engine.parse_answer(instrument, item, form.get(item.id, []))
        except engine.AnswerRefused as refused:
            errors[item.id] = refused.reason
            continue
        row = existing.get(item.id) or Answer(response_id=response.id, item_id=item.id)
        stored = None if value is None else json.dumps(value)
        if row.id is not None and row.value != stored:
            changed.add(item.id)
        row.value = stored
        row.answered_at = utcnow()
        db.add(row)
    db.flush()
    raised = _act_on_items(db, response, instrument, [i.id for i in page_items], changed, moving_on)
    db.commit()
    return Saved(errors, raised)


def _act_on_items(db, response, instrument, item_ids, changed, moving_on) -> list[SafetyFlag]:
    answers, _seen = answers_of(db, response)
    before = _raised_rules(db, response)
    holding = {rule.id for rule in engine.item_flags(instrument, answers, item_ids)}
    raised = []
    person = None
    for rule in engine.item_rules(instrument, item_ids):
        flag = before.get(rule.id)
        if flag is not None:
            if rule.when.item in changed and flag.answer_changed_at is None:
                flag.answer_changed_at = utcnow()
                db.add(flag)
            continue
        if rule.id in holding and (moving_on or not rule.when.unanswered):
            person = person or db.get(User, response.user_id)
            raised.append(_raise_rule_flag(db, person, response, rule))
    return raised


def _raise_rule_flag(db: Session, person: User, response: QuestionnaireResponse, rule):
    """One flag for one fired rule of this response, through the shared safety loop."""
    return safety.raise_flag(
        db,
        person,
        response.cohort_id,
        source="questionnaire",
        level=rule.level,
        instrument_id=response.instrument_id,
        rule_id=rule.id,
        response_id=response.id,
    )


def save_page(
    db: Session, response: QuestionnaireResponse, instrument, page_items, form: dict[str, list[str]]
) -> dict[str, str]:
    """save_screen, for callers that only need the refused answers."""
    return save_screen(db, response, instrument, page_items, form).errors


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
        already = _raised_rules(db, response)
        for rule in fired:
            if rule.id in already:
                continue
            _raise_rule_flag(db, user, response, rule)
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
