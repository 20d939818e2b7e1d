"""The pre-session checklist: when it is open, what fasting means in clock time, readiness."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from sqlmodel import Session, select

from app import access, program
from app.content.schemas import Checklist
from app.models import ChecklistSubmission, Cohort, MedicineSession, SafetyFlag, User, utcnow
from app.questionnaires import safety

PRE_SESSION = "pre-session"
ANSWERS = ("yes", "not_yet", "no")
DEFAULT_OPEN_HOURS = 48
_open_hours = DEFAULT_OPEN_HOURS


def configure(open_hours: int) -> None:
    """How many hours before a session its checklist opens (CHECKLIST_OPEN_HOURS)."""
    global _open_hours
    _open_hours = open_hours


class NotYourSession(Exception):
    """The session is not one of the participant's cohort."""


class ChecklistClosed(Exception):
    """Outside the checklist's window: before it opens or after the session started."""


@dataclass(frozen=True)
class Timing:
    starts: datetime  # aware, in the cohort's zone
    opens: datetime
    fasting_from: datetime | None
    fluids_until: datetime | None

    def open_at(self, now: datetime) -> bool:
        return self.opens <= now < self.starts

    def session_day(self, now: datetime) -> bool:
        """Whether `now` is on (or after) the session's date, on the cohort's clock."""
        aware = now if now.tzinfo else now.replace(tzinfo=UTC)
        return aware.astimezone(self.starts.tzinfo).date() >= self.starts.date()


def timing(
    cohort: Cohort,
    session: MedicineSession,
    checklist: Checklist,
    open_hours: float | None = None,
) -> Timing:
    """Clock times from the session's wall-clock start in the cohort's zone. Subtracting hours
    from an aware time counts real hours, so a daylight-saving change in between is right."""
    starts = program.session_start(cohort, session.starts_local)
    zone = starts.tzinfo

    def before(hours):
        if hours is None:
            return None
        return (starts.astimezone(UTC) - timedelta(hours=hours)).astimezone(zone)

    return Timing(
        starts=starts,
        opens=before(open_hours if open_hours is not None else _open_hours),
        fasting_from=before(checklist.fasting_hours),
        fluids_until=before(checklist.clear_fluids_hours),
    )


def session_for(db: Session, user: User, session_id: int) -> tuple[MedicineSession, Cohort]:
    session = db.get(MedicineSession, session_id)
    membership = access.participant_membership(db, user)
    if session is None or membership is None or membership.cohort_id != session.cohort_id:
        raise NotYourSession
    return session, db.get(Cohort, session.cohort_id)


def submission(
    db: Session, user_id: int, session_id: int, checklist_id: str = PRE_SESSION
) -> ChecklistSubmission | None:
    query = select(ChecklistSubmission).where(
        ChecklistSubmission.user_id == user_id,
        ChecklistSubmission.session_id == session_id,
        ChecklistSubmission.checklist_id == checklist_id,
    )
    return db.exec(query).first()


def answers_of(record: ChecklistSubmission | None) -> dict:
    return json.loads(record.answers) if record else {}


class AnswerProblem(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse(item, form: dict[str, str]):
    """One item's answer from the form; None when not answered yet."""
    if item.kind == "yes_not_yet_no":
        value = form.get(item.id, "")
        if value == "":
            return None
        if value not in ANSWERS:
            raise AnswerProblem("not_an_option")
        return value
    if item.kind == "yesno":
        value = form.get(item.id, "")
        if value == "":
            return None
        if value not in ("yes", "no"):
            raise AnswerProblem("not_an_option")
        return value
    if item.kind == "ride":
        name = form.get(f"{item.id}-name", "").strip()[:120]
        phone = form.get(f"{item.id}-phone", "").strip()[:40]
        if not name and not phone:
            # Saying there is nobody to drive is an answer (a hard stop), not a blank.
            return {"none": True} if form.get(f"{item.id}-none") else None
        if not name:
            raise AnswerProblem("ride_name")
        try:
            parsed = phonenumbers.parse(phone, "CA")
        except phonenumbers.NumberParseException as exc:
            raise AnswerProblem("phone") from exc
        if not phonenumbers.is_valid_number(parsed):
            raise AnswerProblem("phone")
        number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return {"name": name, "phone": number}
    value = form.get(item.id, "").strip()[:1000]
    return value or None


def no_ride(value) -> bool:
    return isinstance(value, dict) and bool(value.get("none"))


def stops(item, value) -> bool:
    """Whether this answer to this item is a hard stop: the safety answer, or no ride home."""
    if item.kind == "ride":
        return item.safety and no_ride(value)
    return item.stop_answer is not None and value == item.stop_answer


def asked(item, on_the_day: bool) -> bool:
    """Whether the item is asked now: an item for the day only once the day has come."""
    return on_the_day or not item.asked_on_the_day


def state_of(checklist: Checklist, answers: dict, on_the_day: bool = True) -> str:
    """hard_stop when a safety item has its stopping answer (or there is no ride home); ready
    when every question asked so far has its all-clear answer and the ride home is named;
    otherwise in progress. Before the session's day, items for the day do not count."""
    for item in checklist.items:
        if stops(item, answers.get(item.id)):
            return "hard_stop"
    for item in checklist.items:
        if not asked(item, on_the_day):
            continue
        value = answers.get(item.id)
        if item.kind == "yes_not_yet_no" and value != "yes":
            return "in_progress"
        if item.kind == "yesno" and value is None:
            return "in_progress"
        if item.kind == "ride" and not (value and value.get("name")):
            return "in_progress"
    return "ready"


def state_now(
    record: ChecklistSubmission | None,
    checklist: Checklist,
    when: Timing,
    now: datetime | None = None,
) -> str:
    """The state as of now: one saved Ready the evening before is in progress on the day
    until the day's items are answered."""
    if record is None:
        return "not_started"
    if record.state != "ready" or not when.session_day(now or utcnow()):
        return record.state
    return state_of(checklist, answers_of(record), on_the_day=True)


def clear_form(checklist: Checklist) -> dict[str, str]:
    """The form of someone with nothing to report: for the demo and for tests."""
    form = {}
    for item in checklist.items:
        if item.kind in ("yes_not_yet_no", "yesno"):
            form[item.id] = item.clear_answer
        elif item.kind == "ride":
            form[f"{item.id}-name"], form[f"{item.id}-phone"] = "Alex Morgan", "604-555-0134"
    return form


def flag_rule(session: MedicineSession, item) -> str:
    """A checklist flag's rule: the session and the item, so each is raised once."""
    return f"session-{session.number}:{item.id}"


def _existing_rules(db: Session, user: User, cohort: Cohort) -> set[str]:
    query = select(SafetyFlag.rule_id).where(
        SafetyFlag.user_id == user.id,
        SafetyFlag.cohort_id == cohort.id,
        SafetyFlag.source == "checklist",
    )
    return set(db.exec(query))


@dataclass(frozen=True)
class Saved:
    record: ChecklistSubmission
    problems: dict[str, str]
    raised: list  # flags this save raised
    crisis: bool  # a risk answer was saved: show the crisis lines now


def save_answers(
    db: Session,
    user: User,
    session: MedicineSession,
    cohort: Cohort,
    checklist: Checklist,
    form: dict[str, str],
    *,
    submit: bool,
    now: datetime | None = None,
) -> Saved:
    """Keep every valid answer (refused ones are reported, the rest kept); may be sent again
    until the session starts. Each stopping answer raises an urgent flag for the team, and a
    review answer a review flag, once per item and session, on the save that holds it."""
    now = now or utcnow()
    when = timing(cohort, session, checklist)
    if not when.open_at(now):
        raise ChecklistClosed
    on_the_day = when.session_day(now)
    record = submission(db, user.id, session.id) or ChecklistSubmission(
        user_id=user.id, session_id=session.id, checklist_id=PRE_SESSION
    )
    answers, problems = answers_of(record if record.id else None), {}
    for item in checklist.items:
        if not asked(item, on_the_day):
            continue  # not asked yet: an answer sent early is not kept
        try:
            value = parse(item, form)
        except AnswerProblem as problem:
            problems[item.id] = problem.reason
            continue
        # Only an item that was on the page sent can be cleared: a step carries one item.
        if value is not None or item.id in form or f"{item.id}-name" in form:
            answers[item.id] = value
    record.answers = json.dumps(answers)
    record.state = state_of(checklist, answers, on_the_day)
    record.updated_at = now
    if submit and not problems:
        record.submitted_at = now
    db.add(record)
    already = _existing_rules(db, user, cohort)
    raised, crisis = [], False
    for item in checklist.items:
        value = answers.get(item.id)
        if stops(item, value):
            level = "urgent"
        elif item.review_if is not None and value == item.review_if:
            level = "review"
        else:
            continue
        rule = flag_rule(session, item)
        if rule in already:
            continue
        raised.append(
            safety.raise_flag(db, user, cohort.id, source="checklist", level=level, rule_id=rule)
        )
        crisis = crisis or item.crisis
    db.commit()
    return Saved(record, problems, raised, crisis)


def save(db: Session, user: User, session, cohort, checklist, form, *, submit, now=None):
    """save_answers, for callers that need the record and the refused answers only."""
    saved = save_answers(db, user, session, cohort, checklist, form, submit=submit, now=now)
    return saved.record, saved.problems


def upcoming_open(
    db: Session, user: User, checklist: Checklist, now: datetime | None = None
) -> list[tuple[MedicineSession, Timing]]:
    """The participant's sessions whose checklist is open now."""
    now = now or utcnow()
    membership = access.participant_membership(db, user)
    if membership is None:
        return []
    cohort = db.get(Cohort, membership.cohort_id)
    sessions = db.exec(select(MedicineSession).where(MedicineSession.cohort_id == cohort.id))
    found = []
    for session in sessions:
        when = timing(cohort, session, checklist)
        if when.open_at(now):
            found.append((session, when))
    return found
