"""Journal rules below the web layer: who may read an entry, one entry per client UUID,
versions that never overwrite silently, sharing, listing, and the reading room's counts,
read markers, audit events and the k-anonymity threshold of its summaries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from app import access
from app.journal import reading_room, services
from app.models import (
    AuditEvent,
    FollowUp,
    JournalEntry,
    Membership,
    ReflectionRead,
    Role,
    Sharing,
    utcnow,
)

WEEK = 3  # the world's cohort is in week 3


def write(db, user, body="words", *, sharing=Sharing.private, draft=False, week=WEEK, **extra):
    fields = services.EntryFields(body=body, week=week, sharing=sharing, **extra)
    return services.save(
        db, user, client_uuid=str(uuid.uuid4()), fields=fields, base_version=None, draft=draft
    )


def save_over(db, user, entry, fields, *, base_version=1):
    """Save the form's fields over an existing entry, as its edit page does."""
    return services.save(
        db,
        user,
        client_uuid=entry.client_uuid,
        fields=fields,
        base_version=base_version,
        draft=False,
        entry_id=entry.id,
    )


def count_entries(db, user) -> int:
    query = select(func.count(JournalEntry.id)).where(JournalEntry.user_id == user.id)
    return db.exec(query).one()


def week_shown(db, viewer, cohort_id, group_id):
    """Everything a small group shared with the team in WEEK, as one page."""
    return reading_room.group_week_page(
        db, viewer, cohort_id, group_id, WEEK, page_size=None
    ).reflections


def add_willow_facilitator(world):
    return world.add_person("willow_facilitator", Role.facilitator, world.cohort, world.willow)


def add_cedar_facilitator(world):
    return world.add_person("cedar_facilitator", Role.facilitator, world.cohort, world.cedar)


# --- Who may read an entry. -----------------------------------------------------------------

# Viewer → the kinds of the participant's (Cedar, Cohort A) entries they may read.
ALL_KINDS = ("private", "facilitators", "group", "draft-group", "draft-facilitators")
READERS = {
    "participant": set(ALL_KINDS),  # the author always
    "same_group": {"group"},
    "other_group": set(),
    "other_cohort": set(),
    "facilitator": {"facilitators", "group"},  # the whole cohort's facilitator
    "cedar_facilitator": {"facilitators", "group"},
    "willow_facilitator": set(),
    "other_facilitator": set(),
    "medical": set(),
    "admin": set(),
}


@pytest.fixture
def kinds(db, world):
    """One entry by the participant of each kind, by name."""
    add_willow_facilitator(world)
    add_cedar_facilitator(world)
    author = world.participant
    return {
        "private": write(db, author, "private words"),
        "facilitators": write(db, author, "for facilitators", sharing=Sharing.facilitators),
        "group": write(db, author, "for the group", sharing=Sharing.group),
        "draft-group": write(db, author, "unfinished", sharing=Sharing.group, draft=True),
        "draft-facilitators": write(
            db, author, "unfinished too", sharing=Sharing.facilitators, draft=True
        ),
    }


@pytest.mark.parametrize("viewer", sorted(READERS))
def test_each_role_and_relation_reads_exactly_the_entries_shared_with_it(db, world, kinds, viewer):
    person = world.people[viewer]  # world.other_cohort is the cohort, not the person
    readable = {name for name, entry in kinds.items() if access.can_read_entry(db, person, entry)}
    assert readable == READERS[viewer]


def test_a_medical_lead_who_is_also_a_participant_elsewhere_reads_nothing_of_cohort_a(db, world):
    entry = write(db, world.participant, "shared", sharing=Sharing.group)
    db.add(
        Membership(
            user_id=world.medical.id,
            cohort_id=world.other_cohort.id,
            small_group_id=None,
            role=Role.participant,
        )
    )
    db.commit()
    assert access.can_read_entry(db, world.medical, entry) is False


def test_a_facilitator_of_a_whole_cohort_facilitates_every_small_group_of_it(db, world):
    groups = access.facilitated_small_groups(db, world.facilitator, world.cohort.id)
    assert [g.name for g in groups] == ["Cedar", "Willow"]


def test_a_facilitator_assigned_to_one_small_group_facilitates_only_that_one(db, world):
    willow_facilitator = add_willow_facilitator(world)
    groups = access.facilitated_small_groups(db, willow_facilitator, world.cohort.id)
    assert [g.name for g in groups] == ["Willow"]
    assert not access.facilitates_group(db, willow_facilitator, world.cohort.id, world.cedar.id)


def test_facilitators_of_another_cohort_and_other_roles_facilitate_no_group_of_cohort_a(db, world):
    for person in (world.other_facilitator, world.medical, world.admin, world.participant):
        assert access.facilitated_small_groups(db, person, world.cohort.id) == []


def test_an_entry_written_before_joining_a_small_group_is_read_by_no_group(db, world):
    loner = world.add_person("loner", Role.participant, world.cohort, None)
    entry = write(db, loner, "alone")
    assert entry.small_group_id is None
    entry.sharing = Sharing.group  # even if it were somehow marked shared
    assert not access.can_read_entry(db, world.facilitator, entry)
    assert not access.can_read_entry(db, world.participant, entry)


# --- Saving: one entry per UUID, versions, sharing. -----------------------------------------


def test_saving_twice_with_the_same_client_uuid_stores_one_entry(db, world):
    key = str(uuid.uuid4())
    fields = services.EntryFields(body="once", week=WEEK)
    first = services.save(
        db, world.participant, client_uuid=key, fields=fields, base_version=None, draft=True
    )
    second = services.save(
        db, world.participant, client_uuid=key, fields=fields, base_version=None, draft=True
    )
    assert first.id == second.id
    assert count_entries(db, world.participant) == 1


def test_the_same_client_uuid_of_two_people_makes_two_entries(db, world):
    key = str(uuid.uuid4())
    for person in (world.participant, world.same_group):
        services.save(
            db,
            person,
            client_uuid=key,
            fields=services.EntryFields(body="mine"),
            base_version=None,
            draft=False,
        )
    assert count_entries(db, world.participant) == 1
    assert count_entries(db, world.same_group) == 1


def test_a_new_entry_takes_the_authors_small_group_and_the_week_it_was_given(db, world):
    assert write(db, world.participant, week=WEEK - 1).week == WEEK - 1
    # "No particular week" stays so: the form offers this week by default, not the service.
    entry = write(db, world.participant, week=None)
    assert entry.week is None
    assert entry.cohort_id == world.cohort.id
    assert entry.small_group_id == world.cedar.id
    assert entry.version == 1


def test_saving_over_a_newer_version_raises_a_conflict_with_both_texts(db, world):
    entry = write(db, world.participant, "first text")
    save_over(db, world.participant, entry, services.EntryFields(body="from the laptop", week=WEEK))
    with pytest.raises(services.Conflict) as raised:
        save_over(
            db, world.participant, entry, services.EntryFields(body="from the phone", week=WEEK)
        )
    assert raised.value.current.body == "from the laptop"
    assert raised.value.attempted["body"] == "from the phone"
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    assert (stored.body, stored.version) == ("from the laptop", 2)


def test_a_replay_of_identical_content_with_a_stale_version_is_not_a_conflict(db, world):
    entry = write(db, world.participant, "first text")
    fields = services.EntryFields(body="second text", week=WEEK)
    save_over(db, world.participant, entry, fields)
    replayed = save_over(
        db, world.participant, entry, services.EntryFields(body="second text", week=WEEK)
    )
    assert (replayed.body, replayed.version) == ("second text", 2)


def autosave_over(db, user, entry, fields, *, base_version=None):
    """Autosave the edit page's fields over an existing entry, as it does while typing."""
    return services.save(
        db,
        user,
        client_uuid=entry.client_uuid,
        fields=fields,
        base_version=entry.version if base_version is None else base_version,
        draft=True,
        entry_id=entry.id,
    )


def test_autosaving_a_saved_entry_keeps_the_changes_pending_and_shares_nothing(db, world):
    entry = write(db, world.participant, "as saved", sharing=Sharing.private)
    typed = services.EntryFields(body="half a thou", week=WEEK, sharing=Sharing.group)
    autosave_over(db, world.participant, entry, typed)
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    assert (stored.body, stored.sharing, stored.version) == ("as saved", Sharing.private, 2)
    assert services.pending_fields(stored) == typed
    assert stored.pending_at is not None
    assert services.group_reflections(db, world.same_group) == []


def test_autosaving_a_shared_entry_never_shows_half_typed_words_to_its_readers(db, world):
    entry = write(db, world.participant, "as shared", sharing=Sharing.group)
    typed = services.EntryFields(body="as shared, and then some half-ty", sharing=Sharing.group)
    autosave_over(db, world.participant, entry, typed)
    [seen] = services.group_reflections(db, world.same_group)
    assert seen.body == "as shared"


def test_saving_applies_the_pending_changes_and_clears_them(db, world):
    entry = write(db, world.participant, "as saved")
    typed = services.EntryFields(body="typed, then saved", week=WEEK, sharing=Sharing.group)
    autosave_over(db, world.participant, entry, typed)
    save_over(db, world.participant, entry, typed)
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    assert (stored.body, stored.sharing, stored.version) == ("typed, then saved", "group", 3)
    assert (stored.pending, stored.pending_at) == (None, None)


def test_changing_who_can_read_an_entry_keeps_its_pending_changes(db, world):
    entry = write(db, world.participant, "as saved")
    typed = services.EntryFields(body="still typing", week=WEEK)
    autosave_over(db, world.participant, entry, typed)
    services.set_sharing(db, world.participant, entry.id, Sharing.facilitators, anonymous=False)
    db.expire_all()
    assert services.pending_fields(db.get(JournalEntry, entry.id)) == typed


def test_discarding_pending_changes_leaves_the_saved_entry_as_it_was(db, world):
    entry = write(db, world.participant, "as saved")
    autosave_over(db, world.participant, entry, services.EntryFields(body="second thoughts"))
    services.discard_pending(db, world.participant, entry.id)
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    assert (stored.body, stored.pending, stored.version) == ("as saved", None, 3)


def test_pending_changes_are_ciphertext_in_the_database(db, world):
    entry = write(db, world.participant, "as saved")
    typed = services.EntryFields(body="a secret half sentence", title="Secret title")
    autosave_over(db, world.participant, entry, typed)
    raw = (
        db.connection()
        .execute(text("SELECT pending FROM journal_entry WHERE id = :id"), {"id": entry.id})
        .scalar_one()
    )
    assert raw and "secret" not in raw.lower()


def test_an_autosave_over_a_newer_version_of_a_saved_entry_is_still_a_conflict(db, world):
    entry = write(db, world.participant, "first text")
    save_over(db, world.participant, entry, services.EntryFields(body="from the laptop"))
    with pytest.raises(services.Conflict):
        autosave_over(
            db, world.participant, entry, services.EntryFields(body="phone"), base_version=1
        )


def test_the_list_offers_entries_with_pending_changes_as_unfinished(db, world):
    entry = write(db, world.participant, "as saved")
    autosave_over(db, world.participant, entry, services.EntryFields(body="more to say"))
    listing = services.list_entries(db, world.participant)
    assert [e.id for e in listing.entries] == [entry.id]
    assert [e.id for e in listing.drafts] == [entry.id]


def test_a_replayed_autosave_of_a_draft_writes_nothing_new(db, world):
    draft = write(db, world.participant, "typed offline", draft=True)
    fields = services.EntryFields(body="typed offline", week=WEEK)
    for _ in range(3):
        services.save(
            db,
            world.participant,
            client_uuid=draft.client_uuid,
            fields=services.EntryFields(**fields.__dict__),
            base_version=None,
            draft=True,
        )
    db.expire_all()
    assert db.get(JournalEntry, draft.id).version == 1


@pytest.mark.parametrize(
    "change",
    [
        {"anonymous_to_peers": True},
        {"week": WEEK - 1},
        {"week": None},
        {"prompt_id": "arriving"},
    ],
    ids=["anonymity", "week", "no-week", "prompt"],
)
def test_a_save_that_changes_only_anonymity_week_or_prompt_is_stored(db, world, change):
    entry = write(db, world.participant, "same words", sharing=Sharing.group)
    fields = services.EntryFields(
        **{"body": "same words", "week": WEEK, "sharing": "group", **change}
    )
    save_over(db, world.participant, entry, fields)
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    for name, value in change.items():
        assert getattr(stored, name) == value
    assert stored.version == 2


def test_sharing_with_a_group_without_a_small_group_is_refused_and_nothing_is_stored(db, world):
    loner = world.add_person("loner", Role.participant, world.cohort, None)
    for sharing in (Sharing.group, Sharing.facilitators):
        with pytest.raises(services.SharingRefused):
            write(db, loner, "to share", sharing=sharing)
    assert count_entries(db, loner) == 0


def test_an_unknown_sharing_value_is_refused(db, world):
    with pytest.raises(services.SharingRefused):
        write(db, world.participant, sharing="everyone")


def test_someone_who_is_not_a_participant_keeps_no_journal(db, world):
    with pytest.raises(services.NotAParticipant):
        write(db, world.facilitator)


def test_another_participants_entry_is_not_found_for_every_operation(db, world):
    entry = write(db, world.same_group, "theirs", sharing=Sharing.group)
    with pytest.raises(services.EntryNotFound):
        services.own_entry(db, world.participant, entry.id)
    with pytest.raises(services.EntryNotFound):
        services.set_sharing(db, world.participant, entry.id, Sharing.private, False)
    with pytest.raises(services.EntryNotFound):
        services.delete(db, world.participant, entry.id)
    with pytest.raises(services.EntryNotFound):
        services.save(
            db,
            world.participant,
            client_uuid=entry.client_uuid,
            fields=services.EntryFields(body="overwritten"),
            base_version=None,
            draft=False,
            entry_id=entry.id,
        )
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    assert (stored.body, stored.sharing) == ("theirs", Sharing.group)


def test_unsharing_takes_effect_at_once_and_forgets_when_it_was_shared(db, world):
    entry = write(db, world.participant, "shared", sharing=Sharing.group)
    assert entry.shared_at is not None
    assert access.can_read_entry(db, world.same_group, entry)
    services.set_sharing(db, world.participant, entry.id, Sharing.private, False)
    db.expire_all()
    entry = db.get(JournalEntry, entry.id)
    assert entry.shared_at is None
    assert not access.can_read_entry(db, world.same_group, entry)
    assert not access.can_read_entry(db, world.facilitator, entry)


def test_a_draft_becomes_shared_only_when_it_is_saved_for_real(db, world):
    key = str(uuid.uuid4())
    fields = services.EntryFields(body="typing", week=WEEK, sharing=Sharing.group)
    draft = services.save(
        db, world.participant, client_uuid=key, fields=fields, base_version=None, draft=True
    )
    assert draft.shared_at is None
    assert not access.can_read_entry(db, world.same_group, draft)
    saved = services.save(
        db, world.participant, client_uuid=key, fields=fields, base_version=None, draft=False
    )
    assert saved.id == draft.id
    assert saved.draft is False and saved.shared_at is not None
    assert access.can_read_entry(db, world.same_group, saved)


# --- Listing, search and export lists. -----------------------------------------------------


def dated(db, user, body, *, minutes_ago, week=WEEK, draft=False):
    entry = write(db, user, body, week=week, draft=draft)
    entry.created_at = utcnow() - timedelta(minutes=minutes_ago)
    db.add(entry)
    db.commit()
    return entry


def test_the_list_is_newest_first_and_pages_with_has_more(db, world):
    total = services.PAGE_SIZE + 2
    for n in range(total):
        dated(db, world.participant, f"entry {n}", minutes_ago=n)
    first = services.list_entries(db, world.participant)
    assert [e.body for e in first.entries] == [f"entry {n}" for n in range(services.PAGE_SIZE)]
    assert first.has_more is True
    second = services.list_entries(db, world.participant, page=2)
    assert [e.body for e in second.entries] == [f"entry {n}" for n in range(10, total)]
    assert second.has_more is False


def test_a_page_that_is_exactly_full_has_no_more(db, world):
    for n in range(services.PAGE_SIZE):
        dated(db, world.participant, f"entry {n}", minutes_ago=n)
    assert services.list_entries(db, world.participant).has_more is False


def test_the_list_filters_by_week_and_keeps_drafts_apart(db, world):
    dated(db, world.participant, "week one", minutes_ago=3, week=1)
    dated(db, world.participant, "week two", minutes_ago=2, week=2)
    dated(db, world.participant, "half written", minutes_ago=1, week=2, draft=True)
    everything = services.list_entries(db, world.participant)
    assert [e.body for e in everything.entries] == ["week two", "week one"]
    assert [e.body for e in everything.drafts] == ["half written"]
    assert everything.weeks == [1, 2]
    week_two = services.list_entries(db, world.participant, week=2)
    assert [e.body for e in week_two.entries] == ["week two"]


def test_search_finds_own_entries_by_their_decrypted_words_only(db, world):
    dated(db, world.participant, "The Heron stood still", minutes_ago=2)
    dated(db, world.participant, "nothing here", minutes_ago=1)
    dated(db, world.same_group, "a heron too", minutes_ago=1)
    found = services.list_entries(db, world.participant, search="heron")
    assert [e.body for e in found.entries] == ["The Heron stood still"]


def test_search_shows_every_match_on_one_page(db, world):
    for n in range(services.PAGE_SIZE + 3):
        dated(db, world.participant, f"heron {n}", minutes_ago=n)
    dated(db, world.participant, "nothing here", minutes_ago=99)
    found = services.list_entries(db, world.participant, search="heron")
    assert len(found.entries) == services.PAGE_SIZE + 3
    assert found.has_more is False


def test_all_entries_are_the_persons_own_saved_entries_oldest_first(db, world):
    old = dated(db, world.participant, "old", minutes_ago=5)
    new = dated(db, world.participant, "new", minutes_ago=1)
    dated(db, world.participant, "draft", minutes_ago=0, draft=True)
    dated(db, world.same_group, "theirs", minutes_ago=0)
    assert [e.id for e in services.all_entries(db, world.participant)] == [old.id, new.id]


def test_group_reflections_hold_only_other_members_group_shares(db, world):
    shown = write(db, world.same_group, "for the group", sharing=Sharing.group)
    write(db, world.same_group, "for facilitators", sharing=Sharing.facilitators)
    write(db, world.same_group, "private")
    write(db, world.same_group, "draft", sharing=Sharing.group, draft=True)
    write(db, world.other_group, "willow's", sharing=Sharing.group)
    write(db, world.participant, "my own", sharing=Sharing.group)
    found = services.group_reflections(db, world.participant)
    assert [e.id for e in found] == [shown.id]


# --- Reading room. -------------------------------------------------------------------------


def test_overview_counts_shared_and_unread_entries_by_group_and_week(db, world):
    first = write(db, world.participant, "a", sharing=Sharing.group)
    write(db, world.same_group, "b", sharing=Sharing.facilitators)
    write(db, world.same_group, "c", sharing=Sharing.group, week=2)
    write(db, world.participant, "private")
    write(db, world.participant, "draft", sharing=Sharing.group, draft=True)
    write(db, world.other_group, "willow", sharing=Sharing.group)
    reading_room.mark_read(db, world.facilitator, first.id)
    by_group = {
        item.group.name: [(w.week, w.shared, w.unread) for w in item.weeks]
        for item in reading_room.overview(db, world.facilitator, world.cohort.id)
    }
    assert by_group == {"Cedar": [(3, 2, 1), (2, 1, 1)], "Willow": [(3, 1, 1)]}


def test_opening_a_group_week_writes_one_audit_event_per_entry_shown(db, world):
    mine = write(db, world.participant, "a", sharing=Sharing.group)
    theirs = write(db, world.same_group, "b", sharing=Sharing.facilitators)
    write(db, world.participant, "private")
    before = db.exec(select(func.count(AuditEvent.id))).one()
    shown = week_shown(db, world.facilitator, world.cohort.id, world.cedar.id)
    assert {r.entry.id for r in shown} == {mine.id, theirs.id}
    events = list(db.exec(select(AuditEvent).where(AuditEvent.action == "read_reflection")))
    assert db.exec(select(func.count(AuditEvent.id))).one() == before + 2
    assert sorted((e.object_id, e.subject_id, e.actor_id) for e in events) == sorted(
        [
            (str(mine.id), world.participant.id, world.facilitator.id),
            (str(theirs.id), world.same_group.id, world.facilitator.id),
        ]
    )


@pytest.mark.parametrize("viewer", ["willow_facilitator", "other_facilitator", "medical", "admin"])
def test_only_facilitators_of_the_group_open_its_week(db, world, viewer):
    add_willow_facilitator(world)
    write(db, world.participant, "a", sharing=Sharing.group)
    with pytest.raises(reading_room.NotYourGroup):
        week_shown(db, world.people[viewer], world.cohort.id, world.cedar.id)
    assert (
        db.exec(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "read_reflection")
        ).one()
        == 0
    )


def test_a_group_of_another_cohort_is_not_opened_through_this_cohort(db, world):
    with pytest.raises(reading_room.NotYourGroup):
        week_shown(db, world.facilitator, world.other_cohort.id, world.cedar.id)


def test_marking_read_twice_keeps_one_read_marker(db, world):
    entry = write(db, world.participant, "a", sharing=Sharing.group)
    reading_room.mark_read(db, world.facilitator, entry.id)
    reading_room.mark_read(db, world.facilitator, entry.id)
    query = select(func.count(ReflectionRead.id)).where(ReflectionRead.entry_id == entry.id)
    assert db.exec(query).one() == 1


@pytest.mark.parametrize("kind", ["private", "draft"])
def test_a_private_entry_or_draft_cannot_be_marked_read_or_flagged(db, world, kind):
    entry = write(
        db,
        world.participant,
        "not yours",
        sharing=Sharing.private if kind == "private" else Sharing.group,
        draft=kind == "draft",
    )
    with pytest.raises(reading_room.NotYourGroup):
        reading_room.mark_read(db, world.facilitator, entry.id)
    with pytest.raises(reading_room.NotYourGroup):
        reading_room.set_follow_up(db, world.facilitator, entry.id, "note", done=False)


def test_a_follow_up_note_is_stored_encrypted(db, world):
    entry = write(db, world.participant, "a", sharing=Sharing.facilitators)
    reading_room.set_follow_up(db, world.facilitator, entry.id, "Call Tuesday re sleep", False)
    flag = db.exec(select(FollowUp).where(FollowUp.entry_id == entry.id)).one()
    assert flag.note == "Call Tuesday re sleep"
    raw = (
        db.connection()
        .execute(text("SELECT note FROM follow_up WHERE entry_id = :id"), {"id": entry.id})
        .scalar_one()
    )
    assert raw and "Tuesday" not in raw


def summary_of(db, world, authors_and_feelings):
    for author, feelings in authors_and_feelings:
        write(db, author, "words", sharing=Sharing.group, feelings=feelings)
    return reading_room.week_summary(db, world.cedar.id, WEEK)


def test_no_feeling_summary_below_three_contributors_however_many_entries(db, world):
    summary = summary_of(
        db,
        world,
        [
            (world.participant, ["calm"]),
            (world.participant, ["calm"]),
            (world.same_group, ["sad"]),
        ],
    )
    assert summary is None


def test_a_feeling_summary_with_three_contributors(db, world):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    summary = summary_of(
        db,
        world,
        [
            (world.participant, ["calm", "tired"]),
            (world.same_group, ["calm"]),
            (third, ["sad", "calm"]),
        ],
    )
    assert dict(summary) == {"calm": 3, "tired": 1, "sad": 1}


def test_no_feeling_summary_when_fewer_than_three_people_named_a_feeling(db, world):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    summary = summary_of(
        db,
        world,
        [(world.participant, ["ashamed"]), (world.same_group, []), (third, [])],
    )
    assert summary is None


def test_the_summary_counts_only_entries_shared_with_the_team_that_week(db, world):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    summary_of(db, world, [(p, ["calm"]) for p in (world.participant, world.same_group, third)])
    write(db, third, "private", feelings=["numb"])
    write(db, third, "unfinished", sharing=Sharing.group, draft=True, feelings=["numb"])
    write(db, third, "last week", sharing=Sharing.group, week=WEEK - 1, feelings=["numb"])
    write(db, world.other_group, "other group", sharing=Sharing.group, feelings=["numb"])
    assert dict(reading_room.week_summary(db, world.cedar.id, WEEK)) == {"calm": 3}


def test_the_summary_follows_an_edit_an_unsharing_and_a_deletion(db, world):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    entries = [
        write(db, author, "words", sharing=Sharing.group, feelings=["calm"])
        for author in (world.participant, world.same_group, third)
    ]
    assert dict(reading_room.week_summary(db, world.cedar.id, WEEK)) == {"calm": 3}
    edited = entries[0]
    services.save(
        db,
        world.participant,
        client_uuid=edited.client_uuid,
        fields=services.EntryFields(
            body="words", week=WEEK, sharing=Sharing.group, feelings=["tired"]
        ),
        base_version=edited.version,
        draft=False,
    )
    assert dict(reading_room.week_summary(db, world.cedar.id, WEEK)) == {"calm": 2, "tired": 1}
    services.set_sharing(db, third, entries[2].id, Sharing.private, anonymous=False)
    assert reading_room.week_summary(db, world.cedar.id, WEEK) is None
    services.set_sharing(db, third, entries[2].id, Sharing.group, anonymous=False)
    assert dict(reading_room.week_summary(db, world.cedar.id, WEEK)) == {"calm": 2, "tired": 1}
    services.delete(db, world.same_group, entries[1].id)
    assert reading_room.week_summary(db, world.cedar.id, WEEK) is None


# --- Encryption of every sensitive column. -------------------------------------------------


def test_title_body_feelings_and_intensity_are_ciphertext_in_the_database(db, world):
    entry = write(
        db,
        world.participant,
        "Marigold lanterns in the rain",
        title="Quiet harbour",
        feelings=["hopeful"],
        sensations=["warm"],
        intensity=7,
    )
    row = (
        db.connection()
        .execute(
            text(
                "SELECT title, body, feelings, sensations, intensity FROM journal_entry "
                "WHERE id = :id"
            ),
            {"id": entry.id},
        )
        .one()
    )
    stored = " ".join(value or "" for value in row)
    for plain in ("Marigold", "harbour", "hopeful", "warm"):
        assert plain not in stored
    assert row.intensity != "7"
    db.expire_all()
    again = db.get(JournalEntry, entry.id)
    assert (again.body, again.title, services.intensity_of(again)) == (
        "Marigold lanterns in the rain",
        "Quiet harbour",
        7,
    )


def test_two_saves_from_the_same_version_never_both_win(db, world):
    """The second of two saves read at the same version meets the conflict, even when its
    version check ran before the first one committed (the guarded update decides)."""
    from app.journal import services
    from app.journal.services import Conflict, EntryFields

    entry = services.save(
        db,
        world.participant,
        client_uuid="5b6c7a4e-0000-4000-8000-000000000001",
        fields=EntryFields(body="first words"),
        base_version=None,
        draft=False,
    )
    # Someone else moves the version on between this device's read and its write.
    db.exec(
        services.update(services.JournalEntry)
        .where(services.JournalEntry.id == entry.id)
        .values(version=entry.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    with pytest.raises(Conflict):
        services.save(
            db,
            world.participant,
            client_uuid=entry.client_uuid,
            fields=EntryFields(body="this device's words"),
            base_version=None,
            draft=False,
            entry_id=entry.id,
        )
    db.refresh(entry)
    assert entry.body == "first words"


def test_a_save_over_an_entry_stores_everything_it_writes_encrypted(db, world):
    entry = write(db, world.participant, "first words")
    phrase = f"Juniper-{uuid.uuid4().hex}"
    fields = services.EntryFields(
        body=f"then {phrase}",
        title=f"Title {phrase}",
        week=WEEK,
        feelings=["calm"],
        sensations=["warm"],
        intensity=7,
        sharing=Sharing.group,
    )
    saved = save_over(db, world.participant, entry, fields)
    raw = (
        db.connection()
        .execute(
            text(
                "SELECT title, body, feelings, sensations, intensity, version, shared_at"
                " FROM journal_entry WHERE id = :id"
            ),
            {"id": entry.id},
        )
        .one()
    )
    for stored in (raw.title, raw.body, raw.feelings, raw.sensations, raw.intensity):
        assert stored.startswith("gAAAAA")
    assert phrase not in raw.body and phrase not in raw.title and "calm" not in raw.feelings
    assert raw.version == 2 and raw.shared_at is not None
    assert (saved.version, saved.body, saved.sharing) == (2, f"then {phrase}", Sharing.group)
    db.expire_all()
    again = db.get(JournalEntry, entry.id)
    assert (again.body, again.title, again.version) == (f"then {phrase}", f"Title {phrase}", 2)
    assert services.feelings_of(again) == ["calm"] and services.intensity_of(again) == 7


def test_a_save_over_an_entry_writes_every_field_of_the_form(db, world):
    entry = write(db, world.participant, "first words", week=WEEK)
    fields = services.EntryFields(
        body="second words",
        title="Second",
        week=WEEK - 1,
        prompt_id="week-02-prompt",
        feelings=["tired", "calm"],
        sensations=["warm"],
        intensity=3,
        sharing=Sharing.group,
        anonymous_to_peers=True,
    )
    save_over(db, world.participant, entry, fields)
    db.expire_all()
    stored = db.get(JournalEntry, entry.id)
    assert (stored.body, stored.title, stored.week, stored.prompt_id) == (
        "second words",
        "Second",
        WEEK - 1,
        "week-02-prompt",
    )
    assert services.feelings_of(stored) == ["tired", "calm"]
    assert services.sensations_of(stored) == ["warm"] and services.intensity_of(stored) == 3
    assert (stored.sharing, stored.anonymous_to_peers, stored.draft) == (Sharing.group, True, False)
    assert stored.shared_at is not None and stored.version == 2
