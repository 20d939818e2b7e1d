"""Who may see what: roles, cohort and small-group membership. The one place that decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, event
from sqlmodel import Session, select

from app.models import Cohort, JournalEntry, Membership, Role, Sharing, SmallGroup, User

# Deny by default: every endpoint needs a signed-in person except these.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.sign_in",
        "auth.enrol",
        "auth.quick_exit",
        "auth.forgot_password",
        "auth.reset_password",
        "core.healthz",
        "core.help_page",
        "core.privacy_notice",
        "core.switch_language",
        "csp.report",
        "pwa.manifest",
        "pwa.service_worker",
        "pwa.offline",
        "pwa.outbox_session",
        "exercises.library",
        "exercises.exercise",
        "sessions.calendar_feed",
        "static",
    }
)

# Roles that belong to a cohort's team, as recorded on their membership. A therapist's
# account acts as a facilitator's (see account_role), so they open what facilitators open.
TEAM_ROLES = frozenset({Role.facilitator, Role.therapist, Role.medical})
# The wider team: somatic practitioners and knowledge keepers open only the pages made for
# their work (the program, meetings and attendance), never clinical data or journals.
WIDER_TEAM_ROLES = frozenset({Role.somatic, Role.knowledge_keeper})
FACILITATING = frozenset({Role.facilitator, Role.therapist})


class NotInCohort(Exception):
    """The person has no place in the cohort they asked about."""


def require_roles(*roles: Role) -> Callable:
    """Refuse the view with 403 unless the signed-in person holds one of the roles."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Asked on nearly every request, so built once: building a statement and its cache key costs
# more than SQLite takes to run it.
_PARTICIPANT_MEMBERSHIP = (
    select(Membership)
    .where(Membership.user_id == bindparam("user_id"), Membership.role == Role.participant)
    .order_by(Membership.joined_at.desc(), Membership.id.desc())
)
_COHORT_MEMBERSHIP = select(Membership).where(
    Membership.user_id == bindparam("user_id"), Membership.cohort_id == bindparam("cohort_id")
)


def participant_membership(db: Session, user: User) -> Membership | None:
    """The participant's place in their most recent cohort.

    Asked for several times in one request (the time zone, the page, what is due), it is read
    once per database session (see _memberships).
    """
    known = _memberships(db, "participant")
    if user.id not in known:
        known[user.id] = db.exec(_PARTICIPANT_MEMBERSHIP, params={"user_id": user.id}).first()
    return known[user.id]


def cohort_membership(db: Session, user: User, cohort_id: int) -> Membership | None:
    """The person's one place in a cohort (participant or team), or None.

    A staff page asks twice or more (may they open the cohort, do they facilitate this small
    group); it is read once per database session (see _memberships).
    """
    known = _memberships(db, "cohort")
    key = (user.id, cohort_id)
    if key not in known:
        known[key] = db.exec(
            _COHORT_MEMBERSHIP, params={"user_id": user.id, "cohort_id": cohort_id}
        ).first()
    return known[key]


def _memberships(db: Session, kind: str) -> dict:
    """Memberships this database session has read, by kind of lookup.

    Kept only until the session writes a membership: the listener below forgets them all
    then, so a lookup never answers from before an enrolment in the same session. The objects
    themselves are the session's own, so a change to one is seen at once.
    """
    return db.info.setdefault(_MEMBERSHIPS, {}).setdefault(kind, {})


_MEMBERSHIPS = "tend_memberships"


@event.listens_for(Session, "before_flush")
def _forget_memberships(db, _flush_context, _instances) -> None:
    if _MEMBERSHIPS in db.info and any(
        isinstance(obj, Membership) for obj in (*db.new, *db.dirty, *db.deleted)
    ):
        del db.info[_MEMBERSHIPS]


def team_cohorts(db: Session, user: User) -> list[Cohort]:
    """Cohorts the person may open as staff: all for admins, their own for the team."""
    if user.role == Role.admin:
        return list(db.exec(select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id)))
    if user.role not in TEAM_ROLES:
        return []
    query = (
        select(Cohort)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == user.id, Membership.role.in_(list(TEAM_ROLES)))
        .order_by(Cohort.start_date.desc(), Cohort.id)
    )
    return list(db.exec(query))


def wider_team_cohorts(db: Session, user: User) -> list[Cohort]:
    """Cohorts where the person is a somatic practitioner or knowledge keeper."""
    if user.role not in WIDER_TEAM_ROLES:
        return []
    query = (
        select(Cohort)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == user.id, Membership.role.in_(list(WIDER_TEAM_ROLES)))
        .order_by(Cohort.start_date.desc(), Cohort.id)
    )
    return list(db.exec(query))


def is_on_team(db: Session, user: User, cohort_id: int, roles=TEAM_ROLES) -> bool:
    membership = cohort_membership(db, user, cohort_id)
    if membership is None:
        return False
    return membership.role in roles or (
        membership.role == Role.therapist and Role.facilitator in roles
    )


def cohort_for_wider_team(db: Session, user: User, cohort_id: int) -> tuple[Cohort, str]:
    """The cohort and the person's role in it, for pages the whole team shares (meetings,
    attendance): admins, the team, somatic practitioners and knowledge keepers of the cohort.
    404 if it does not exist, 403 if not theirs."""
    found = db.exec(_COHORT_AND_MEMBERSHIP, params={"cohort_id": cohort_id, "user_id": user.id})
    cohort, membership = found.first() or (None, None)
    if cohort is None:
        abort(404)
    _memberships(db, "cohort")[(user.id, cohort_id)] = membership
    if user.role == Role.admin:
        return cohort, Role.admin
    if membership is None or membership.role not in TEAM_ROLES | WIDER_TEAM_ROLES:
        abort(403)
    return cohort, membership.role


def may_manage_cohort(db: Session, user: User, cohort_id: int) -> bool:
    """Admins, and the cohort's own facilitators, change it (invites, content, timeline)."""
    return user.role == Role.admin or is_on_team(db, user, cohort_id, {Role.facilitator})


# Every staff page opens with this: the cohort and the person's place in it, in one query.
_COHORT_AND_MEMBERSHIP = (
    select(Cohort, Membership)
    .outerjoin(
        Membership,
        (Membership.cohort_id == Cohort.id) & (Membership.user_id == bindparam("user_id")),
    )
    .where(Cohort.id == bindparam("cohort_id"))
)


def cohort_for_team(db: Session, user: User, cohort_id: int, *, manage: bool = False) -> Cohort:
    """The cohort if the person may open it as staff; 404 if it does not exist, 403 if not theirs.

    `manage=True` asks for the right to change the cohort (invites, small groups): its
    facilitators and admins. Medical leads see it but do not manage it.
    """
    found = db.exec(_COHORT_AND_MEMBERSHIP, params={"cohort_id": cohort_id, "user_id": user.id})
    cohort, membership = found.first() or (None, None)
    if cohort is None:
        abort(404)
    _memberships(db, "cohort")[(user.id, cohort_id)] = membership
    if user.role == Role.admin:
        return cohort
    allowed_roles = {Role.facilitator} if manage else TEAM_ROLES
    if user.role not in allowed_roles or not is_on_team(db, user, cohort_id, allowed_roles):
        abort(403)
    return cohort


def small_groups(db: Session, cohort_id: int) -> list[SmallGroup]:
    query = select(SmallGroup).where(SmallGroup.cohort_id == cohort_id).order_by(SmallGroup.name)
    return list(db.exec(query))


def roster(db: Session, cohort_id: int) -> list[tuple[Membership, User]]:
    """Everyone in a cohort with their membership; names and roles only, never their content."""
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.cohort_id == cohort_id)
        .order_by(Membership.role, User.display_name)
    )
    return list(db.exec(query))


# ---- journal entries --------------------------------------------------------------------


def facilitates_group(db: Session, user: User, cohort_id: int, small_group_id: int | None) -> bool:
    """A facilitator of this small group: assigned to it, or to the whole cohort."""
    if user.role != Role.facilitator or small_group_id is None:
        return False
    membership = cohort_membership(db, user, cohort_id)
    return (
        membership is not None
        and membership.role in FACILITATING
        and membership.small_group_id in (None, small_group_id)
    )


def same_small_group(db: Session, user: User, cohort_id: int, small_group_id: int | None) -> bool:
    if small_group_id is None:
        return False
    membership = participant_membership(db, user)
    return (
        membership is not None
        and membership.cohort_id == cohort_id
        and membership.small_group_id == small_group_id
    )


def can_read_entry(db: Session, viewer: User, entry: JournalEntry) -> bool:
    """The author always; when shared, the small group's facilitators, and for a group share
    the other members of the small group. Medical leads and admins are not readers."""
    if entry.user_id == viewer.id:
        return True
    if entry.draft or entry.sharing == Sharing.private:
        return False
    if facilitates_group(db, viewer, entry.cohort_id, entry.small_group_id):
        return True
    return entry.sharing == Sharing.group and same_small_group(
        db, viewer, entry.cohort_id, entry.small_group_id
    )


def facilitated_small_groups(db: Session, user: User, cohort_id: int) -> list[SmallGroup]:
    return [g for g in small_groups(db, cohort_id) if facilitates_group(db, user, cohort_id, g.id)]
