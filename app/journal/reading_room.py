"""The facilitators' reading room: what a small group shared, read markers, follow-up flags."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, func, select

from app import access, audit
from app.journal.services import feelings_of
from app.models import FollowUp, JournalEntry, ReflectionRead, Sharing, SmallGroup, User, utcnow

# Summaries of a group's week appear only when enough people contributed that no one
# person's answers can be picked out.
MIN_CONTRIBUTORS = 3
NOTE_MAX = 2000


class NotYourGroup(Exception):
    """The viewer does not facilitate that small group."""


def _shared_with_team():
    return (
        JournalEntry.sharing.in_([Sharing.facilitators.value, Sharing.group.value]),
        JournalEntry.draft.is_(False),
    )


@dataclass(frozen=True)
class WeekCount:
    week: int | None
    shared: int
    unread: int


@dataclass(frozen=True)
class GroupOverview:
    group: SmallGroup
    weeks: list[WeekCount]


def overview(db: Session, viewer: User, cohort_id: int) -> list[GroupOverview]:
    result = []
    for group in access.facilitated_small_groups(db, viewer, cohort_id):
        read_ids = select(ReflectionRead.entry_id).where(ReflectionRead.reader_id == viewer.id)
        rows = db.exec(
            select(JournalEntry.week, func.count(JournalEntry.id))
            .where(JournalEntry.small_group_id == group.id, *_shared_with_team())
            .group_by(JournalEntry.week)
        ).all()
        unread = dict(
            db.exec(
                select(JournalEntry.week, func.count(JournalEntry.id))
                .where(
                    JournalEntry.small_group_id == group.id,
                    *_shared_with_team(),
                    JournalEntry.id.not_in(read_ids),
                )
                .group_by(JournalEntry.week)
            ).all()
        )
        weeks = sorted(
            (WeekCount(week, count, unread.get(week, 0)) for week, count in rows),
            key=lambda w: -(w.week or 0),
        )
        result.append(GroupOverview(group, weeks))
    return result


@dataclass(frozen=True)
class Reflection:
    entry: JournalEntry
    author: User
    read: bool
    follow_up: FollowUp | None


PAGE_SIZE = 20


def group_week(
    db: Session,
    viewer: User,
    cohort_id: int,
    group_id: int,
    week: int | None,
    *,
    page: int = 1,
    page_size: int | None = None,
) -> list[Reflection]:
    """Entries shared with the team from one small group and week, newest first: all of
    them, or one page of page_size.

    Opening them is a read of participant content: one audit event per entry shown.
    """
    return group_week_page(db, viewer, cohort_id, group_id, week, page=page, page_size=page_size)[0]


def group_week_page(
    db: Session,
    viewer: User,
    cohort_id: int,
    group_id: int,
    week: int | None,
    *,
    page: int = 1,
    page_size: int | None = PAGE_SIZE,
) -> tuple[list[Reflection], bool]:
    """One page of group_week, and whether another page follows."""
    group = db.get(SmallGroup, group_id)
    if group is None or group.cohort_id != cohort_id:
        raise NotYourGroup
    if not access.facilitates_group(db, viewer, cohort_id, group_id):
        raise NotYourGroup
    query = (
        select(JournalEntry, User)
        .join(User, User.id == JournalEntry.user_id)
        .where(JournalEntry.small_group_id == group_id, *_shared_with_team())
        .order_by(JournalEntry.shared_at.desc(), JournalEntry.id.desc())
    )
    query = query.where(JournalEntry.week.is_(None) if week is None else JournalEntry.week == week)
    if page_size is not None:
        # One more than a page, to know whether there is a next one.
        query = query.offset((page - 1) * page_size).limit(page_size + 1)
    pairs = list(db.exec(query))
    has_more = page_size is not None and len(pairs) > page_size
    pairs = pairs[:page_size] if page_size is not None else pairs
    entry_ids = [entry.id for entry, _author in pairs]
    read = set(
        db.exec(
            select(ReflectionRead.entry_id).where(
                ReflectionRead.reader_id == viewer.id, ReflectionRead.entry_id.in_(entry_ids)
            )
        )
    )
    flags = {
        flag.entry_id: flag
        for flag in db.exec(select(FollowUp).where(FollowUp.entry_id.in_(entry_ids)))
    }
    reflections = []
    for entry, author in pairs:
        audit.record(
            db,
            viewer,
            "read_reflection",
            subject=author,
            cohort_id=cohort_id,
            object_type="journal_entry",
            object_id=entry.id,
        )
        reflections.append(Reflection(entry, author, entry.id in read, flags.get(entry.id)))
    db.commit()
    return reflections, has_more


def week_feelings(db: Session, group_id: int, week: int | None) -> list[Reflection]:
    """Every shared entry's author and feelings for the week's summary (no audit: only
    counts above the threshold ever leave this function's caller)."""
    query = (
        select(JournalEntry, User)
        .join(User, User.id == JournalEntry.user_id)
        .where(JournalEntry.small_group_id == group_id, *_shared_with_team())
        .where(JournalEntry.week.is_(None) if week is None else JournalEntry.week == week)
    )
    return [Reflection(entry, author, False, None) for entry, author in db.exec(query)]


def _entry_for_team(db: Session, viewer: User, entry_id: int) -> JournalEntry:
    entry = db.get(JournalEntry, entry_id)
    if (
        entry is None
        or entry.draft
        or entry.sharing == Sharing.private
        or not access.facilitates_group(db, viewer, entry.cohort_id, entry.small_group_id)
    ):
        raise NotYourGroup
    return entry


def mark_read(db: Session, viewer: User, entry_id: int) -> JournalEntry:
    entry = _entry_for_team(db, viewer, entry_id)
    exists = db.exec(
        select(ReflectionRead).where(
            ReflectionRead.entry_id == entry.id, ReflectionRead.reader_id == viewer.id
        )
    ).first()
    if exists is None:
        db.add(ReflectionRead(entry_id=entry.id, reader_id=viewer.id))
        db.commit()
    return entry


def set_follow_up(db: Session, viewer: User, entry_id: int, note: str | None, done: bool):
    entry = _entry_for_team(db, viewer, entry_id)
    flag = db.exec(select(FollowUp).where(FollowUp.entry_id == entry.id)).first()
    if flag is None:
        flag = FollowUp(entry_id=entry.id, flagged_by_id=viewer.id)
    flag.note = (note or "").strip() or None
    flag.resolved_at = utcnow() if done else None
    db.add(flag)
    audit.record(
        db,
        viewer,
        "follow_up_resolved" if done else "follow_up_flagged",
        subject=entry.user_id,
        cohort_id=entry.cohort_id,
        object_type="journal_entry",
        object_id=entry.id,
    )
    db.commit()
    return entry


def feeling_summary(reflections: list[Reflection]) -> list[tuple[str, int]] | None:
    """Feeling-word counts for the group's week, or None below the contributor threshold."""
    contributors = {r.author.id for r in reflections}
    if len(contributors) < MIN_CONTRIBUTORS:
        return None
    counts = Counter(word for r in reflections for word in feelings_of(r.entry))
    return counts.most_common()
