"""The check-in after a session: open the evening of the session day and the next morning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select

from app import program
from app.content.schemas import Checklist
from app.models import ChecklistSubmission, Cohort, MedicineSession, SafetyFlag, User, utcnow
from app.questionnaires import safety
from app.sessions.checklist import submission

EVENING_FROM, MORNING_UNTIL = time(17, 0), time(12, 0)


def moment(cohort: Cohort, session: MedicineSession, now: datetime | None = None) -> str | None:
    """'evening' from 17:00 on the session day, 'morning' on the next day until noon."""
    now = (now or utcnow()).astimezone(program.session_start(cohort, session.starts_local).tzinfo)
    day = session.starts_local.date()
    evening = datetime.combine(day, EVENING_FROM, now.tzinfo)
    morning_end = datetime.combine(day + timedelta(days=1), MORNING_UNTIL, now.tzinfo)
    midnight = datetime.combine(day + timedelta(days=1), time(0, 0), now.tzinfo)
    if evening <= now < midnight:
        return "evening"
    if midnight <= now < morning_end:
        return "morning"
    return None


def parse(checklist: Checklist, form: dict[str, str]) -> tuple[dict, dict[str, str]]:
    answers, problems = {}, {}
    for item in checklist.items:
        raw = (form.get(item.id) or "").strip()
        if raw == "":
            continue
        if item.kind == "scale":
            if not raw.isdigit() or not 0 <= int(raw) <= 10:
                problems[item.id] = "scale"
                continue
            answers[item.id] = int(raw)
        elif item.kind == "choice":
            if raw not in {o.id for o in item.options}:
                problems[item.id] = "not_an_option"
                continue
            answers[item.id] = raw
        elif item.kind == "yesno":
            if raw not in ("yes", "no"):
                problems[item.id] = "not_an_option"
                continue
            answers[item.id] = raw
        else:
            answers[item.id] = raw[:2000]
    return answers, problems


def _fires(flag, value) -> bool:
    if value is None:
        return False
    if flag.equals is not None:
        return value == flag.equals
    if flag.lte is not None:
        return isinstance(value, int) and value <= flag.lte
    return isinstance(value, int) and flag.gte is not None and value >= flag.gte


def save(
    db: Session,
    user: User,
    cohort: Cohort,
    session: MedicineSession,
    checklist: Checklist,
    when: str,
    answers: dict,
) -> tuple[ChecklistSubmission, bool]:
    """Store the check-in once per moment; worrying answers go through the safety loop."""
    checklist_id = f"after-session-{when}"
    record = submission(db, user.id, session.id, checklist_id)
    record = record or ChecklistSubmission(
        user_id=user.id, session_id=session.id, checklist_id=checklist_id
    )
    record.answers = json.dumps(answers)
    record.state = "ready"
    record.submitted_at = record.updated_at = utcnow()
    db.add(record)
    fired = [flag for flag in checklist.flags if _fires(flag, answers.get(flag.item))]
    # Every send acts on its worrying answers, each raised once while it is open: a second
    # send that adds one is seen, and one that repeats it is not raised again.
    already = _raised_since(db, user, cohort, session)
    for flag in fired:
        if flag.item in already:
            continue
        safety.raise_flag(
            db, user, cohort.id, source="after-session", level=flag.level, rule_id=flag.item
        )
        already.add(flag.item)
    db.commit()
    return record, any(flag.level == "urgent" for flag in fired)


def _raised_since(db: Session, user: User, cohort: Cohort, session: MedicineSession) -> set[str]:
    starts = program.session_start(cohort, session.starts_local).astimezone(UTC)
    query = select(SafetyFlag.rule_id).where(
        SafetyFlag.user_id == user.id,
        SafetyFlag.cohort_id == cohort.id,
        SafetyFlag.source == "after-session",
        SafetyFlag.raised_at >= starts,
        # One the team has already followed up is done: the same answer later is news again.
        SafetyFlag.followed_up_at.is_(None),
    )
    return set(db.exec(query))
