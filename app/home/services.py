"""What each role's home page shows, composed from the areas' own services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from app import access, audit, program
from app.content import Library
from app.journal import reading_room
from app.meetings import services as meetings
from app.models import Cohort, MedicineSession, Membership, Role, SmallGroup, User
from app.practices.services import practices_tried
from app.questionnaires import safety
from app.questionnaires.services import due
from app.sessions import aftercare, checklist, consent, readiness

# How far ahead the staff home shows a medicine session, its countdown and its board's counts.
SESSION_HORIZON = timedelta(hours=72)


@dataclass(frozen=True)
class ParticipantHome:
    cohort: Cohort
    small_group: SmallGroup | None
    position: program.ProgramPosition
    week_theme: str | None
    practices_tried: int
    check_ins_open: int
    consents_pending: int
    checklists: list  # (session, timing, state) for sessions whose checklist is open
    after_session: MedicineSession | None  # a session whose check-in is open now
    next_session: MedicineSession | None
    next_session_starts: datetime | None
    meetings: list  # the next large- and small-group meetings, and changes in the days ahead
    group_names: dict[int, str]
    team_told: object = None  # an open risk flag or request for contact: the calm card


@dataclass(frozen=True)
class SessionSoon:
    """A medicine session in the next 72 hours, with the board in numbers."""

    session: MedicineSession
    starts: datetime
    hours_left: int
    counts: readiness.BoardCounts


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    position: program.ProgramPosition
    groups: list[tuple[SmallGroup, int]]  # each small group with its participant count
    unassigned: int
    can_manage: bool
    unread_reflections: int
    open_flags: int
    sessions_soon: list[SessionSoon] = field(default_factory=list)


def participant_home(
    db: Session, library: Library, user: User, locale: str, now: datetime | None = None
):
    membership = access.participant_membership(db, user)
    if membership is None:
        return None
    cohort = db.get(Cohort, membership.cohort_id)
    group = db.get(SmallGroup, membership.small_group_id) if membership.small_group_id else None
    position = program.position(cohort, now)
    theme = None
    if position.running:
        week = library.get("week", f"{position.week:02d}", locale, cohort.bundle_id)
        theme = week.item.data.theme if week else None
    upcoming = program.next_session(db, cohort, now)
    pre = library.get("checklist", "pre-session", locale, cohort.bundle_id)
    checklists = []
    if pre is not None:
        for medicine_session, timing in checklist.upcoming_open(db, user, pre.item.data, now):
            record = checklist.submission(db, user.id, medicine_session.id)
            state = checklist.state_now(record, pre.item.data, timing, now)
            checklists.append((medicine_session, timing, state))
    after = next(
        (s for s in program.sessions_of(db, cohort) if aftercare.moment(cohort, s, now)), None
    )
    return ParticipantHome(
        cohort=cohort,
        small_group=group,
        position=position,
        week_theme=theme,
        practices_tried=practices_tried(db, user, cohort),
        consents_pending=sum(
            1
            for status in consent.statuses(db, library, user, cohort, locale)
            if status.needs_answer
        ),
        checklists=checklists,
        after_session=after,
        check_ins_open=sum(
            1 for item in due(db, library, user, locale, now) if item.state != "done"
        ),
        next_session=upcoming,
        next_session_starts=program.session_start(cohort, upcoming.starts_local)
        if upcoming
        else None,
        meetings=meetings.upcoming(db, cohort, meetings.participant_meetings(db, membership), now),
        group_names={g.id: g.name for g in access.small_groups(db, cohort.id)},
        team_told=safety.waiting_for_contact(db, user),
    )


def sessions_soon(
    db: Session, library: Library, user: User, cohort: Cohort, now: datetime | None = None
) -> list[SessionSoon]:
    """The cohort's medicine sessions starting in the next 72 hours (or under way within the
    last hour), each with its board's counts; only for those who may open the board."""
    if user.role not in (Role.facilitator, Role.medical):
        return []
    now = now or datetime.now(UTC)
    soon = []
    for medicine_session in program.sessions_of(db, cohort):
        starts = program.session_start(cohort, medicine_session.starts_local)
        left = starts - now
        if not timedelta(hours=-1) <= left <= SESSION_HORIZON:
            continue
        found = readiness.rows(db, library, user, cohort, medicine_session)
        # The counts name nobody, but they are read from each person's records: audited.
        audit.record(
            db,
            user,
            "viewed_readiness_counts",
            cohort_id=cohort.id,
            object_type="medicine_session",
            object_id=medicine_session.id,
        )
        soon.append(
            SessionSoon(
                session=medicine_session,
                starts=starts,
                hours_left=max(0, int(left.total_seconds() // 3600)),
                counts=readiness.counts(found),
            )
        )
    return soon


def team_home(
    db: Session, library: Library, user: User, now: datetime | None = None
) -> list[CohortSummary]:
    summaries = []
    for cohort in access.team_cohorts(db, user):
        counts = dict(
            db.exec(
                select(Membership.small_group_id, func.count(Membership.id))
                .where(Membership.cohort_id == cohort.id, Membership.role == Role.participant)
                .group_by(Membership.small_group_id)
            ).all()
        )
        groups = [(g, counts.get(g.id, 0)) for g in access.small_groups(db, cohort.id)]
        can_manage = access.may_manage_cohort(db, user, cohort.id)
        summaries.append(
            CohortSummary(
                cohort=cohort,
                position=program.position(cohort, now),
                groups=groups,
                unassigned=counts.get(None, 0),
                can_manage=can_manage,
                open_flags=safety.open_count(db, cohort.id),
                unread_reflections=sum(
                    week.unread
                    for group in reading_room.overview(db, user, cohort.id)
                    for week in group.weeks
                ),
                sessions_soon=sessions_soon(db, library, user, cohort, now),
            )
        )
    db.commit()
    return summaries
