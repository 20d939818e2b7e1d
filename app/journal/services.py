"""Journal rules: one entry per client UUID, versions that never overwrite silently, sharing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select, update

from app import access
from app.models import JournalEntry, Sharing, User, utcnow

BODY_MAX = 20_000
TITLE_MAX = 200
PAGE_SIZE = 10


class NotAParticipant(Exception):
    """Only participants of a cohort keep a journal here."""


class EntryNotFound(Exception):
    """No such entry for this person (whether or not it exists for someone else)."""


class SharingRefused(Exception):
    """Sharing with a small group the participant is not part of."""


@dataclass
class Conflict(Exception):
    """The entry changed on another device since this one loaded it."""

    current: JournalEntry
    attempted: dict


@dataclass
class EntryFields:
    body: str = ""
    title: str | None = None
    week: int | None = None
    prompt_id: str | None = None
    feelings: list[str] = field(default_factory=list)
    sensations: list[str] = field(default_factory=list)
    intensity: int | None = None
    sharing: str = Sharing.private
    anonymous_to_peers: bool = False


def vocabulary_ids(stored: str | None) -> list[str]:
    """A stored JSON list of vocabulary ids (feelings, sensations); nothing stored is none."""
    return json.loads(stored) if stored else []


def feelings_of(entry: JournalEntry) -> list[str]:
    return vocabulary_ids(entry.feelings)


def sensations_of(entry: JournalEntry) -> list[str]:
    return vocabulary_ids(entry.sensations)


def intensity_of(entry: JournalEntry) -> int | None:
    return int(entry.intensity) if entry.intensity is not None else None


def fields_of(entry: JournalEntry) -> EntryFields:
    """What the entry holds, as the form's fields."""
    return EntryFields(
        body=entry.body,
        title=entry.title,
        week=entry.week,
        prompt_id=entry.prompt_id,
        feelings=feelings_of(entry),
        sensations=sensations_of(entry),
        intensity=intensity_of(entry),
        sharing=entry.sharing,
        anonymous_to_peers=entry.anonymous_to_peers,
    )


def pending_fields(entry: JournalEntry) -> EntryFields | None:
    """The changes autosaved over a saved entry and not saved yet, if any."""
    if entry.pending is None:
        return None
    kept = json.loads(entry.pending)
    return EntryFields(
        **{f.name: kept[f.name] for f in dataclass_fields(EntryFields) if f.name in kept}
    )


def without_answers() -> list:
    """Loader options for pages that show none of an entry's answers (feelings, sensations,
    intensity) nor its pending changes: they stay encrypted, and touching one raises instead
    of querying."""
    answers = (JournalEntry.feelings, JournalEntry.sensations, JournalEntry.intensity)
    return [defer(column, raiseload=True) for column in (*answers, JournalEntry.pending)]


def _membership(db: Session, user: User):
    membership = access.participant_membership(db, user)
    if membership is None:
        raise NotAParticipant
    return membership


def _check_sharing(membership, fields: EntryFields) -> None:
    if fields.sharing not in {s.value for s in Sharing}:
        raise SharingRefused
    if fields.sharing != Sharing.private and membership.small_group_id is None:
        raise SharingRefused


def _changes(entry: JournalEntry, fields: EntryFields, *, draft: bool) -> dict:
    """Every column a save writes, as the entry will hold them (the entry is not touched)."""
    was_shared = entry.sharing != Sharing.private and not entry.draft
    now_shared = fields.sharing != Sharing.private and not draft
    updated_at = utcnow()
    # Shared since the save that first shared it; un-sharing forgets when.
    shared_at = None
    if now_shared:
        shared_at = entry.shared_at if was_shared else updated_at
    return {
        "body": fields.body,
        "title": fields.title or None,
        "week": fields.week,
        "prompt_id": fields.prompt_id or None,
        "feelings": json.dumps(fields.feelings) if fields.feelings else None,
        "sensations": json.dumps(fields.sensations) if fields.sensations else None,
        "intensity": None if fields.intensity is None else str(fields.intensity),
        "sharing": fields.sharing,
        "anonymous_to_peers": fields.anonymous_to_peers,
        "draft": draft,
        "updated_at": updated_at,
        "shared_at": shared_at,
    }


def _apply(entry: JournalEntry, fields: EntryFields, *, draft: bool) -> None:
    for column, value in _changes(entry, fields, draft=draft).items():
        setattr(entry, column, value)


def own_entry(db: Session, user: User, entry_id: int) -> JournalEntry:
    entry = db.get(JournalEntry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise EntryNotFound
    return entry


# Every autosave looks its entry up by UUID: built once.
_BY_UUID = select(JournalEntry).where(
    JournalEntry.user_id == bindparam("user_id"),
    JournalEntry.client_uuid == bindparam("client_uuid"),
)


@cache
def _save_over_version(columns: tuple[str, ...]):
    """The whole save in one guarded statement, writing the columns _changes gives: it writes
    only over the version it was based on. Built once."""
    return (
        update(JournalEntry)
        .where(JournalEntry.id == bindparam("entry_id"), JournalEntry.version == bindparam("read"))
        .values(
            version=JournalEntry.version + 1,
            **{
                column: bindparam(column, type_=JournalEntry.__table__.c[column].type)
                for column in columns
            },
        )
        .execution_options(synchronize_session=False)
    )


def by_uuid(db: Session, user: User, client_uuid: str) -> JournalEntry | None:
    return db.exec(_BY_UUID, params={"user_id": user.id, "client_uuid": client_uuid}).first()


def save(
    db: Session,
    user: User,
    *,
    client_uuid: str,
    fields: EntryFields,
    base_version: int | None,
    draft: bool,
    entry_id: int | None = None,
) -> JournalEntry:
    """Create or update one entry.

    A new entry is found again by its client UUID, so an outbox replay or a double tap stores
    it once. Every write over an entry names the version the device last saw and claims the
    next one in a single guarded statement; if the entry has moved on since (another device
    saved, or autosaved changes of its own), Conflict carries both texts and nothing is
    overwritten. An autosave of a new entry's page that arrives after that page's Save (it was
    in flight when Save was tapped, or waited in the outbox) is older than the Save: it is
    ignored.
    """
    membership = _membership(db, user)
    _check_sharing(membership, fields)
    entry = own_entry(db, user, entry_id) if entry_id else by_uuid(db, user, client_uuid)
    if entry is None:
        entry = JournalEntry(
            user_id=user.id,
            cohort_id=membership.cohort_id,
            small_group_id=membership.small_group_id,
            client_uuid=client_uuid,
        )
        _apply(entry, fields, draft=draft)
        db.add(entry)
        try:
            db.commit()
        except IntegrityError:
            # The same page's other request (an autosave in flight when Save was tapped)
            # created the entry first: this one is written over it, by the rules below.
            db.rollback()
            entry = by_uuid(db, user, client_uuid)
            if entry is None:
                raise
        else:
            return entry
    if base_version is None:
        if not entry.draft and draft:
            return entry  # an autosave older than the Save that finished this entry
        if not entry.draft and not _same_content(entry, fields):
            # A save that saw no version cannot know what it would write over.
            raise Conflict(current=entry, attempted=fields.__dict__.copy())
        # Over a draft of its own page (same UUID), or a replay of what is stored.
        base_version = entry.version
    if base_version != entry.version:
        if _same_content(entry, fields, pending=draft):
            return entry  # a replay of what is already stored
        if draft or entry.pending is None or pending_fields(entry) != fields:
            raise Conflict(current=entry, attempted=fields.__dict__.copy())
        # Saving exactly the changes waiting beside the entry (their autosave's answer never
        # reached this page): nothing is written over that was not seen.
    if draft and not entry.draft:
        return _keep_pending(db, entry, fields)
    if draft == entry.draft and entry.pending is None and _same_content(entry, fields):
        return entry  # nothing new: a replay, or a save of what is already stored
    # Saving takes whatever was pending into the entry.
    changes = {**_changes(entry, fields, draft=draft), "pending": None, "pending_at": None}
    return _write_over(db, entry, changes, attempted=fields)


def _write_over(db: Session, entry: JournalEntry, changes: dict, *, attempted: EntryFields):
    """Write the changes over the version of the entry that was read, or raise Conflict.

    One guarded statement claims the next version and writes the entry: of two writes racing
    from the same version, only one matches; the other meets the conflict instead of
    overwriting. On SQLite the write lock is held for this statement and the commit only,
    not for an ORM flush in between (ten phones autosaving queue on that lock)."""
    read_version = entry.version
    claimed = db.exec(
        _save_over_version(tuple(changes)),
        params={"entry_id": entry.id, "read": read_version, **changes},
    )
    if claimed.rowcount != 1:
        db.rollback()
        db.refresh(entry)
        raise Conflict(current=entry, attempted=attempted.__dict__.copy())
    for column, value in {**changes, "version": read_version + 1}.items():
        set_committed_value(entry, column, value)
    db.commit()
    return entry


def _keep_pending(db: Session, entry: JournalEntry, fields: EntryFields) -> JournalEntry:
    """Autosave over an entry that was already saved: its changes wait beside it, private,
    until the person saves them (or discards them). The saved words stay as they are, so its
    readers see only what was saved on purpose; the version moves on, so another device that
    has not seen these changes cannot write over them unseen."""
    if _same_content(entry, fields):
        if entry.pending is None:
            return entry
        changes = {"pending": None, "pending_at": None}  # typed back to what is saved
    elif entry.pending is not None and _same_content(entry, fields, pending=True):
        return entry
    else:
        changes = {"pending": json.dumps(asdict(fields)), "pending_at": utcnow()}
    return _write_over(db, entry, changes, attempted=fields)


def discard_pending(
    db: Session, user: User, entry_id: int, base_version: int | None = None
) -> JournalEntry:
    """Let go of the changes autosaved over an entry, only those the device was shown."""
    entry = own_entry(db, user, entry_id)
    if entry.pending is None:
        return entry
    if base_version is not None and base_version != entry.version:
        raise Conflict(current=entry, attempted=asdict(pending_fields(entry)))
    return _write_over(
        db, entry, {"pending": None, "pending_at": None}, attempted=pending_fields(entry)
    )


def _same_content(entry: JournalEntry, fields: EntryFields, *, pending: bool = False) -> bool:
    """Whether saving the fields would change nothing the entry holds (with `pending`: its
    changes not saved yet, when it has some)."""
    if pending and entry.pending is not None:
        return pending_fields(entry) == fields
    return (
        entry.body == fields.body
        and (entry.title or None) == (fields.title or None)
        and entry.week == fields.week
        and (entry.prompt_id or None) == (fields.prompt_id or None)
        and entry.sharing == fields.sharing
        and entry.anonymous_to_peers == fields.anonymous_to_peers
        and feelings_of(entry) == list(fields.feelings)
        and sensations_of(entry) == list(fields.sensations)
        and intensity_of(entry) == fields.intensity
    )


def set_sharing(
    db: Session,
    user: User,
    entry_id: int,
    sharing: str,
    anonymous: bool,
    base_version: int | None = None,
) -> JournalEntry:
    """Change who may read an entry; un-sharing takes effect at once. With the version the
    person was shown, a choice made over a newer version raises Conflict instead."""
    entry = own_entry(db, user, entry_id)
    membership = _membership(db, user)
    fields = replace(fields_of(entry), sharing=sharing, anonymous_to_peers=anonymous)
    _check_sharing(membership, fields)
    if base_version is not None and base_version != entry.version:
        if (entry.sharing, entry.anonymous_to_peers) == (sharing, anonymous):
            return entry  # the same choice, made twice
        raise Conflict(current=entry, attempted=fields.__dict__.copy())
    return _write_over(db, entry, _changes(entry, fields, draft=entry.draft), attempted=fields)


def delete(db: Session, user: User, entry_id: int) -> None:
    db.delete(own_entry(db, user, entry_id))
    db.commit()


@dataclass(frozen=True)
class EntryPage:
    entries: list[JournalEntry]
    drafts: list[JournalEntry]
    has_more: bool
    page: int
    weeks: list[int]


_NEWEST = (JournalEntry.created_at.desc(), JournalEntry.id.desc())
# The list's two statements, built once: it is the journal's busiest page, and building a
# statement and its cache key costs more than SQLite takes to run it.
_OUTLINE = (
    select(JournalEntry.id, JournalEntry.draft, JournalEntry.week, JournalEntry.pending_at)
    .where(JournalEntry.user_id == bindparam("user_id"))
    .order_by(*_NEWEST)
)
_LISTED = (
    select(JournalEntry)
    .where(JournalEntry.id.in_(bindparam("ids", expanding=True)))
    .options(*without_answers())  # the list shows titles, words and dates
)


def list_entries(
    db: Session,
    user: User,
    *,
    week: int | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> EntryPage:
    """The person's own entries, newest first. Search runs here, after decryption: the
    database only ever holds ciphertext, and one person's journal is small enough. Without a
    search, only the page shown is decrypted."""
    if search:
        everything = list(
            db.exec(select(JournalEntry).where(JournalEntry.user_id == user.id).order_by(*_NEWEST))
        )
        saved = [e for e in everything if not e.draft]
        weeks = sorted({e.week for e in saved if e.week is not None})
        needle = search.casefold()
        matches = [e for e in saved if needle in f"{e.title or ''}\n{e.body}".casefold()]
        # Every match on one page: a "more" link would be a GET with the term in its URL.
        return EntryPage(entries=matches, drafts=[], has_more=False, page=1, weeks=weeks)
    outline = list(db.exec(_OUTLINE, params={"user_id": user.id}))
    weeks = sorted({w for _id, draft, w, _p in outline if not draft and w is not None})
    saved_ids = [i for i, draft, w, _p in outline if not draft and (week is None or w == week)]
    # Unfinished: drafts, and saved entries with changes not saved yet.
    unfinished = [i for i, draft, _w, pending_at in outline if draft or pending_at is not None]
    draft_ids = unfinished if page == 1 and week is None else []
    start = (page - 1) * page_size
    shown_ids = saved_ids[start : start + page_size]
    loaded = {e.id: e for e in db.exec(_LISTED, params={"ids": shown_ids + draft_ids})}
    return EntryPage(
        entries=[loaded[i] for i in shown_ids],
        drafts=[loaded[i] for i in draft_ids],
        has_more=len(saved_ids) > start + page_size,
        page=page,
        weeks=weeks,
    )


def all_entries(db: Session, user: User) -> list[JournalEntry]:
    query = (
        select(JournalEntry)
        .where(JournalEntry.user_id == user.id, JournalEntry.draft.is_(False))
        .order_by(JournalEntry.created_at)
    )
    return list(db.exec(query))


def group_reflections(db: Session, user: User, week: int | None = None) -> list[JournalEntry]:
    """Entries the other members of the participant's small group shared with the group."""
    membership = _membership(db, user)
    if membership.small_group_id is None:
        return []
    query = (
        select(JournalEntry)
        .where(
            JournalEntry.cohort_id == membership.cohort_id,
            JournalEntry.small_group_id == membership.small_group_id,
            JournalEntry.sharing == Sharing.group,
            JournalEntry.draft.is_(False),
            JournalEntry.user_id != user.id,
        )
        .order_by(JournalEntry.shared_at.desc(), JournalEntry.id.desc())
    )
    if week is not None:
        query = query.where(JournalEntry.week == week)
    return [e for e in db.exec(query) if access.can_read_entry(db, user, e)]


def last_updated(entries: list[JournalEntry]) -> datetime | None:
    return max((e.updated_at for e in entries), default=None)


def display_names(db: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(list(user_ids)))
    return dict(db.exec(query).all())
