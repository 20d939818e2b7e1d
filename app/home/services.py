"""What each role's home page shows, composed from the areas' own services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, select

from app import access, program
from app.models import Cohort, Membership, Role, SmallGroup, User


@dataclass(frozen=True)
class ParticipantHome:
    cohort: Cohort
    small_group: SmallGroup | None
    position: program.ProgramPosition


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    position: program.ProgramPosition
    groups: list[tuple[SmallGroup, int]]  # each small group with its participant count
    unassigned: int
    can_manage: bool


def participant_home(db: Session, user: User, now: datetime | None = None):
    membership = access.participant_membership(db, user)
    if membership is None:
        return None
    cohort = db.get(Cohort, membership.cohort_id)
    group = db.get(SmallGroup, membership.small_group_id) if membership.small_group_id else None
    return ParticipantHome(cohort=cohort, small_group=group, position=program.position(cohort, now))


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
        can_manage = user.role == Role.admin or access.is_on_team(
            db, user, cohort.id, {Role.facilitator}
        )
        summaries.append(
            CohortSummary(
                cohort=cohort,
                position=program.position(cohort, now),
                groups=groups,
                unassigned=counts.get(None, 0),
                can_manage=can_manage,
            )
        )
    return summaries
