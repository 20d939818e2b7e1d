"""What each role's home page shows, composed from the areas' own services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, select

from app import access, program
from app.content import Library
from app.journal import reading_room
from app.meetings import services as meetings
from app.models import Cohort, MedicineSession, Membership, Role, SmallGroup, User
from app.practices.services import practices_tried
from app.questionnaires import safety
from app.questionnaires.services import due
from app.sessions import aftercare, checklist, consent


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
class CohortSummary:
    cohort: Cohort
    position: program.ProgramPosition
    groups: list[tuple[SmallGroup, int]]  # each small group with its participant count
    unassigned: int
    can_manage: bool
    unread_reflections: int
    open_flags: int


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
            checklists.append((medicine_session, timing, record.state if record else "not_started"))
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


def team_home(db: Session, user: User, now: datetime | None = None) -> list[CohortSummary]:
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
            )
        )
    return summaries
