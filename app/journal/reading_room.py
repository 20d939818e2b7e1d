"""The facilitators' reading room: what a small group shared, read markers, follow-up flags."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from threading import Lock

from cachetools import LRUCache
from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from app import access, audit
from app.journal.services import vocabulary_ids, without_answers
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


def _week_filter(no_week: bool):
    """A small group's entries shared with the team in one week (or in none): parameters
    group_id and week."""
    return (
        JournalEntry.small_group_id == bindparam("group_id"),
        *_shared_with_team(),
        JournalEntry.week.is_(None) if no_week else JournalEntry.week == bindparam("week"),
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
    author_name: str
    read: bool
    follow_up: FollowUp | None


@dataclass(frozen=True)
class WeekPage:
    group: SmallGroup
    reflections: list[Reflection]
    has_more: bool
    # Feeling-word counts for the whole week, or None below the contributor threshold.
    summary: list[tuple[str, int]] | None


PAGE_SIZE = 20


@cache
def _page_statement(no_week: bool, paged: bool):
    """Built once per shape: building this statement and its cache key cost more than
    running it. Parameters: group_id, week, reader_id, and skip and take when paged."""
    newest_first = (JournalEntry.shared_at.desc(), JournalEntry.id.desc())
    page_ids = select(JournalEntry.id).where(*_week_filter(no_week)).order_by(*newest_first)
    if paged:
        page_ids = page_ids.offset(bindparam("skip")).limit(bindparam("take"))
    # The page is picked on the narrow index columns first; only its entries are then read in
    # full, with the author's name, this reader's read marker and the follow-up flag (at
    # most one of each per entry, so no row repeats).
    return (
        select(JournalEntry, User.display_name, ReflectionRead.id, FollowUp)
        .join(User, User.id == JournalEntry.user_id)
        .outerjoin(
            ReflectionRead,
            (ReflectionRead.entry_id == JournalEntry.id)
            & (ReflectionRead.reader_id == bindparam("reader_id")),
        )
        .outerjoin(FollowUp, FollowUp.entry_id == JournalEntry.id)
        .where(JournalEntry.id.in_(page_ids.scalar_subquery()))
        .order_by(*newest_first)
        .options(*without_answers())  # the page shows titles and words
    )


def group_week_page(
    db: Session,
    viewer: User,
    cohort_id: int,
    group_id: int,
    week: int | None,
    *,
    page: int = 1,
    page_size: int | None = PAGE_SIZE,
) -> WeekPage:
    """Entries shared with the team from one small group and week, newest first: one page of
    page_size (all of them with None), whether another page follows, and the week's summary.

    Opening them is a read of participant content: one audit event per entry shown.
    """
    group = db.get(SmallGroup, group_id)
    if group is None or group.cohort_id != cohort_id:
        raise NotYourGroup
    if not access.facilitates_group(db, viewer, cohort_id, group_id):
        raise NotYourGroup
    params = {"group_id": group_id, "week": week, "reader_id": viewer.id}
    if page_size is not None:
        # One more than a page, to know whether there is a next one.
        params.update(skip=(page - 1) * page_size, take=page_size + 1)
    query = _page_statement(week is None, page_size is not None)
    rows = list(db.exec(query, params=params))
    has_more = page_size is not None and len(rows) > page_size
    rows = rows[:page_size] if page_size is not None else rows
    # Read before the audit events are written: one transaction for the view, and on SQLite
    # the write lock is not held while the week is fingerprinted.
    summary = week_summary(db, group_id, week)
    audit.record_reads(
        db,
        viewer,
        "read_reflection",
        cohort_id=cohort_id,
        object_type="journal_entry",
        reads=[(entry.user_id, entry.id) for entry, _name, _read, _flag in rows],
    )
    db.commit()
    reflections = [
        Reflection(entry, author_name, read_id is not None, flag)
        for entry, author_name, read_id, flag in rows
    ]
    return WeekPage(group, reflections, has_more, summary)


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


# Counting a week's feelings decrypts every shared entry's words, about 400 in a busy week.
# Counts are kept per process and reused only while the week's entries are provably unchanged:
# any edit, un-sharing or deletion moves the fingerprint below. Only counts above the
# threshold are kept, never words or authors.
_summaries: LRUCache = LRUCache(maxsize=512)
_summaries_lock = Lock()


@cache
def _fingerprint_statement(no_week: bool):
    """What changes whenever a shared entry of the week is added, edited, un-shared or
    deleted. Built once per shape, as it runs on every view."""
    return select(
        func.count(JournalEntry.id),
        func.coalesce(func.sum(JournalEntry.id), 0),
        func.coalesce(func.sum(JournalEntry.version), 0),
        func.max(JournalEntry.updated_at),
    ).where(*_week_filter(no_week))


def week_summary(db: Session, group_id: int, week: int | None) -> list[tuple[str, int]] | None:
    """Feeling-word counts for a small group's week, or None below the contributor threshold.

    Not audited: only counts over at least MIN_CONTRIBUTORS people leave this function.
    """
    params = {"group_id": group_id, "week": week}
    fingerprint = tuple(db.exec(_fingerprint_statement(week is None), params=params).one())
    key = (group_id, week, fingerprint)
    with _summaries_lock:
        if key in _summaries:
            return _summaries[key]
    rows = db.exec(
        select(JournalEntry.user_id, JournalEntry.feelings).where(*_week_filter(week is None)),
        params=params,
    ).all()
    summary = _count_feelings(rows)
    with _summaries_lock:
        _summaries[key] = summary
    return summary


def _count_feelings(rows) -> list[tuple[str, int]] | None:
    """Counted only over the people who named a feeling: three people sharing, of whom one
    named one, would otherwise show that one person's answer."""
    named = [(user_id, vocabulary_ids(feelings)) for user_id, feelings in rows]
    named = [(user_id, words) for user_id, words in named if words]
    if len({user_id for user_id, _words in named}) < MIN_CONTRIBUTORS:
        return None
    return Counter(word for _user_id, words in named for word in words).most_common()
