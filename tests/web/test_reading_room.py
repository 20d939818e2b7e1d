"""The facilitators' reading room over HTTP: the overview with unread counts, one audit event
per entry opened, read markers, follow-up notes only staff see, the k-anonymity threshold of
the feelings summary, who is refused, and the print view."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.journal import services
from app.models import AuditEvent, FollowUp, JournalEntry, ReflectionRead, Role, Sharing
from tests.conftest import post, sign_in

WEEK = 3  # the world's cohort is in week 3


def share(db, author, body, *, sharing=Sharing.group, week=WEEK, draft=False, **extra):
    return services.save(
        db,
        author,
        client_uuid=str(uuid.uuid4()),
        fields=services.EntryFields(body=body, week=week, sharing=sharing, **extra),
        base_version=None,
        draft=draft,
    )


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def overview_url(world) -> str:
    return f"/team/cohorts/{world.cohort.id}/reflections"


def week_url(world, week: int = WEEK, group=None) -> str:
    group = group or world.cedar
    return f"/team/cohorts/{world.cohort.id}/reflections/{group.id}/week/{week}"


def read_url(world, entry) -> str:
    return f"/team/cohorts/{world.cohort.id}/reflections/entry/{entry.id}/read"


def follow_up_url(world, entry) -> str:
    return f"/team/cohorts/{world.cohort.id}/reflections/entry/{entry.id}/follow-up"


def group_section(html: str, group) -> str:
    """The overview's card for one small group."""
    start = html.index(f'id="group-{group.id}"')
    end = html.find("</section>", start)
    return html[start:end]


def reads_audited(db) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == "read_reflection").order_by(AuditEvent.id)
    return list(db.exec(query))


@pytest.fixture
def facilitator(client, world):
    sign_in(client, world.facilitator)
    return world.facilitator


@pytest.fixture
def cedar_week(db, world):
    """Cedar's week 3: two entries shared with the team, and what must never show."""
    return {
        "group": share(db, world.participant, "shared with the group"),
        "facilitators": share(
            db, world.same_group, "for facilitators only", sharing=Sharing.facilitators
        ),
        "private": share(db, world.participant, "kept private", sharing=Sharing.private),
        "draft": share(db, world.participant, "half written", draft=True),
        "week two": share(db, world.same_group, "from week two", week=2),
        "willow": share(db, world.other_group, "from willow"),
    }


# --- The overview. -------------------------------------------------------------------------


def test_the_overview_counts_shared_and_unread_entries_by_group_and_week(
    client, world, facilitator, cedar_week
):
    html = page(client, overview_url(world))
    cedar = group_section(html, world.cedar)
    assert "Week 3</a>" in cedar and "Week 2</a>" in cedar
    assert cedar.index("Week 3") < cedar.index("Week 2")  # newest week first
    assert "2 entries" in cedar and "2 unread" in cedar
    assert "1 entry" in cedar and "1 unread" in cedar
    willow = group_section(html, world.willow)
    assert "1 entry" in willow and "1 unread" in willow
    assert "kept private" not in html and "half written" not in html


def test_marking_an_entry_read_removes_it_from_the_unread_count_and_marker(
    client, db, world, facilitator, cedar_week
):
    response = post(client, read_url(world, cedar_week["group"]))
    assert response.status_code == 303
    assert response.location.endswith(f"#entry-{cedar_week['group'].id}")
    cedar = group_section(page(client, overview_url(world)), world.cedar)
    assert "2 entries" in cedar and "1 unread" in cedar and "2 unread" not in cedar
    html = page(client, week_url(world))
    article = html.split(f'id="entry-{cedar_week["group"].id}"', 1)[1].split("</article>", 1)[0]
    assert "✓ Read" in article and "Mark read" not in article
    assert html.count('class="unread-marker"') == 1


def test_each_entrys_forms_post_to_that_entrys_own_addresses(
    client, db, world, facilitator, cedar_week
):
    html = page(client, week_url(world))
    for key in ("group", "facilitators"):
        entry = cedar_week[key]
        article = html.split(f'id="entry-{entry.id}"', 1)[1].split("</article>", 1)[0]
        assert f'action="{read_url(world, entry)}"' in article
        assert f'hx-post="{read_url(world, entry)}"' in article
        assert f'action="{follow_up_url(world, entry)}"' in article


def test_mark_read_over_htmx_answers_the_read_marker(client, db, world, facilitator, cedar_week):
    response = post(client, read_url(world, cedar_week["group"]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip().startswith('<p class="read-marker"')
    assert "<html" not in response.get_data(as_text=True)


def test_the_unread_count_is_per_facilitator(app, client, db, world, facilitator, cedar_week):
    cedar_facilitator = world.add_person(
        "cedar_facilitator", Role.facilitator, world.cohort, world.cedar
    )
    post(client, read_url(world, cedar_week["group"]))
    other = app.test_client()
    sign_in(other, cedar_facilitator)
    assert "2 unread" in group_section(page(other, overview_url(world)), world.cedar)


@pytest.mark.parametrize("kind", ["private", "draft", "willow"])
def test_a_facilitator_cannot_mark_read_what_is_not_shared_with_them(
    client, db, world, cedar_week, kind
):
    cedar_facilitator = world.add_person(
        "cedar_facilitator", Role.facilitator, world.cohort, world.cedar
    )
    sign_in(client, cedar_facilitator)
    assert post(client, read_url(world, cedar_week[kind])).status_code == 404
    db.expire_all()
    assert list(db.exec(select(ReflectionRead))) == []


# --- Opening a week: what is shown, and the audit trail. -----------------------------------


def test_a_group_week_shows_what_was_shared_with_the_team_and_nothing_else(
    client, world, facilitator, cedar_week
):
    html = page(client, week_url(world))
    assert "shared with the group" in html and "for facilitators only" in html
    for hidden in ("kept private", "half written", "from week two", "from willow"):
        assert hidden not in html


def test_opening_a_group_week_writes_one_audit_event_per_entry_shown(
    client, db, world, facilitator, cedar_week
):
    assert reads_audited(db) == []
    page(client, week_url(world))
    events = reads_audited(db)
    shown = [cedar_week["group"], cedar_week["facilitators"]]
    assert sorted((e.object_type, e.object_id, e.subject_id) for e in events) == sorted(
        ("journal_entry", str(entry.id), entry.user_id) for entry in shown
    )
    assert {(e.actor_id, e.cohort_id) for e in events} == {(world.facilitator.id, world.cohort.id)}
    page(client, week_url(world))
    assert len(reads_audited(db)) == 2 * len(shown)  # every opening is recorded


def test_an_empty_week_and_a_refused_week_write_no_audit_event(app, client, db, world, cedar_week):
    sign_in(client, world.facilitator)
    page(client, week_url(world, week=1))
    other = app.test_client()
    sign_in(other, world.other_facilitator)
    page(other, week_url(world), status=403)
    assert reads_audited(db) == []


def test_script_in_a_shared_entry_is_shown_as_text_in_the_reading_room(
    client, db, world, facilitator
):
    share(db, world.participant, '<script>alert("x")</script><i>hi</i>', title="<b>t</b>")
    html = page(client, week_url(world))
    assert "<script>alert" not in html and "<i>hi</i>" not in html and "<b>t</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;i&gt;hi&lt;/i&gt;" in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html


# --- Follow-up notes: for the team only. ---------------------------------------------------


def test_a_follow_up_note_is_stored_encrypted_and_shown_to_the_team(
    client, db, world, facilitator, cedar_week
):
    entry = cedar_week["group"]
    note = "Check in about sleep before Thursday"
    response = post(client, follow_up_url(world, entry), {"note": note})
    assert response.status_code == 303
    db.expire_all()
    flag = db.exec(select(FollowUp).where(FollowUp.entry_id == entry.id)).one()
    assert (flag.note, flag.flagged_by_id, flag.resolved_at) == (note, world.facilitator.id, None)
    raw = (
        db.connection()
        .execute(text("SELECT note FROM follow_up WHERE id = :id"), {"id": flag.id})
        .scalar_one()
    )
    assert "sleep" not in raw
    html = page(client, week_url(world))
    assert note in html and "Follow-up flagged" in html
    flagged = [e for e in db.exec(select(AuditEvent)) if e.action == "follow_up_flagged"]
    assert [(e.subject_id, e.object_id) for e in flagged] == [(entry.user_id, str(entry.id))]


def test_a_follow_up_can_be_marked_done(client, db, world, facilitator, cedar_week):
    entry = cedar_week["group"]
    post(client, follow_up_url(world, entry), {"note": "call"})
    post(client, follow_up_url(world, entry), {"note": "called", "done": "1"})
    db.expire_all()
    flag = db.exec(select(FollowUp).where(FollowUp.entry_id == entry.id)).one()
    assert flag.note == "called" and flag.resolved_at is not None
    assert "Follow-up flagged" not in page(client, week_url(world))


def test_a_follow_up_note_never_appears_on_the_participants_pages(
    app, client, db, world, facilitator, cedar_week
):
    entry = cedar_week["group"]
    note = "Zephyr-note-for-the-team"
    post(client, follow_up_url(world, entry), {"note": note})
    for person in (world.participant, world.same_group):
        reader = app.test_client()
        sign_in(reader, person)
        own = services.all_entries(db, person)
        urls = ["/", "/journal/", "/journal/group", "/journal/export.json"]
        urls += [f"/journal/{e.id}" for e in own] + [f"/journal/{e.id}/edit" for e in own]
        for url in urls:
            assert note not in reader.get(url).get_data(as_text=True), (person.email, url)
        archive = zipfile.ZipFile(io.BytesIO(reader.get("/journal/export.zip").data))
        for name in archive.namelist():
            assert note.encode() not in archive.read(name)
        assert "Follow-up" not in page(reader, "/journal/group")


def test_a_facilitator_of_another_cohort_cannot_flag_an_entry(client, db, world, cedar_week):
    sign_in(client, world.other_facilitator)
    response = post(client, follow_up_url(world, cedar_week["group"]), {"note": "x"})
    assert response.status_code == 403
    db.expire_all()
    assert list(db.exec(select(FollowUp))) == []


# --- The feelings summary needs three contributors. ----------------------------------------


def test_with_two_contributors_there_is_no_summary(client, db, world, facilitator):
    share(db, world.participant, "one", feelings=["calm"])
    share(db, world.participant, "two", feelings=["calm"])
    share(db, world.same_group, "three", feelings=["sad"])
    html = page(client, week_url(world))
    assert "Not enough entries to show a summary" in html
    assert "calm: 2" not in html and "sad: 1" not in html


def test_with_three_contributors_the_feelings_are_counted(client, db, world, facilitator):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    share(db, world.participant, "one", feelings=["calm", "tired"])
    share(db, world.same_group, "two", feelings=["calm"], sharing=Sharing.facilitators)
    share(db, third, "three", feelings=["calm", "sad"])
    html = page(client, week_url(world))
    assert "Not enough entries to show a summary" not in html
    for shown in ("calm: 3", "tired: 1", "sad: 1"):
        assert f"<li>{shown}</li>" in html


def test_private_entries_and_drafts_do_not_count_towards_the_three(client, db, world, facilitator):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    share(db, world.participant, "one", feelings=["calm"])
    share(db, world.same_group, "two", feelings=["calm"])
    share(db, third, "three", feelings=["calm"], sharing=Sharing.private)
    share(db, third, "four", feelings=["calm"], draft=True)
    assert "Not enough entries to show a summary" in page(client, week_url(world))


def test_entries_without_a_week_have_a_room_of_their_own(client, db, world, facilitator):
    third = world.add_person("third", Role.participant, world.cohort, world.cedar)
    for author, body in ((world.participant, "undated one"), (world.same_group, "undated two")):
        share(db, author, body, feelings=["calm"])
    share(db, third, "undated three", feelings=["calm"])
    share(db, third, "dated", feelings=["tired"])
    for entry in db.exec(select(JournalEntry)).all():
        if entry.body.startswith("undated"):
            entry.week = None
    db.commit()
    no_week = main_of(page(client, week_url(world, 0)))
    assert no_week.count('class="card reflection"') == 3
    assert "undated two" in no_week and ">dated<" not in no_week
    assert "<li>calm: 3</li>" in no_week and "tired" not in no_week
    this_week = main_of(page(client, week_url(world)))
    assert this_week.count('class="card reflection"') == 1
    assert "undated" not in this_week
    assert "Not enough entries to show a summary" in this_week


# --- Who is refused. -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["medical", "admin", "other_facilitator", "participant"])
def test_the_reading_room_is_refused_to_everyone_but_the_groups_facilitators(
    client, db, world, cedar_week, viewer
):
    sign_in(client, world.people[viewer])
    for url in (overview_url(world), week_url(world)):
        html = page(client, url, status=403)
        assert "shared with the group" not in html
    for url in (read_url(world, cedar_week["group"]), follow_up_url(world, cedar_week["group"])):
        assert post(client, url).status_code == 403
    assert reads_audited(db) == []


def test_a_facilitator_of_only_willow_is_refused_cedar_and_cannot_mark_its_entries(
    client, db, world, cedar_week
):
    willow_facilitator = world.add_person(
        "willow_facilitator", Role.facilitator, world.cohort, world.willow
    )
    sign_in(client, willow_facilitator)
    assert client.get(week_url(world)).status_code == 403
    assert "from willow" in page(client, week_url(world, group=world.willow))
    assert post(client, read_url(world, cedar_week["group"])).status_code == 404
    assert post(client, follow_up_url(world, cedar_week["group"])).status_code == 404
    overview = page(client, overview_url(world))
    assert f'id="group-{world.willow.id}"' in overview
    assert f'id="group-{world.cedar.id}"' not in overview


def test_a_facilitator_cannot_open_another_cohorts_group_through_their_own_cohort(
    client, db, world, facilitator
):
    birch = (
        db.connection()
        .execute(
            text("SELECT id FROM small_group WHERE cohort_id = :id"), {"id": world.other_cohort.id}
        )
        .scalar_one()
    )
    url = f"/team/cohorts/{world.cohort.id}/reflections/{birch}/week/{WEEK}"
    assert client.get(url).status_code == 403


# --- The print view. -----------------------------------------------------------------------


def test_the_print_view_has_the_entries_and_no_forms(client, db, world, facilitator, cedar_week):
    post(client, follow_up_url(world, cedar_week["group"]), {"note": "private team note"})
    html = main_of(page(client, week_url(world) + "?print=1"))
    assert "shared with the group" in html and "for facilitators only" in html
    assert "<form" not in html and "<textarea" not in html and "<input" not in html
    assert "Mark read" not in html and "private team note" not in html
    assert "data-print" in html
    assert "<form" in main_of(page(client, week_url(world)))  # the usual view has them


def test_the_participant_sees_the_entry_unchanged_after_staff_read_it(
    app, client, db, world, facilitator, cedar_week
):
    page(client, week_url(world))
    post(client, read_url(world, cedar_week["group"]))
    db.expire_all()
    entry = db.get(JournalEntry, cedar_week["group"].id)
    assert (entry.version, entry.body, entry.sharing) == (1, "shared with the group", "group")
    participant = app.test_client()
    sign_in(participant, world.participant)
    html = main_of(page(participant, f"/journal/{entry.id}"))
    assert "read-marker" not in html and "✓" not in html and "Follow-up" not in html


def test_the_reading_room_shows_twenty_entries_a_page_and_audits_only_those(app, db, world):
    import uuid

    from sqlmodel import select

    from app.models import AuditEvent, JournalEntry, Sharing, utcnow

    for index in range(25):
        db.add(
            JournalEntry(
                user_id=world.participant.id,
                cohort_id=world.cohort.id,
                small_group_id=world.cedar.id,
                client_uuid=str(uuid.uuid4()),
                week=3,
                body=f"reflection number {index}",
                sharing=Sharing.group,
                draft=False,
                shared_at=utcnow(),
            )
        )
    db.commit()
    team = app.test_client()
    sign_in(team, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/reflections/{world.cedar.id}/week/3"
    first = team.get(url).get_data(as_text=True)
    assert first.count('class="card reflection"') == 20
    assert "Older" in first
    reads = db.exec(select(AuditEvent).where(AuditEvent.action == "read_reflection")).all()
    assert len(reads) == 20
    second = team.get(url + "?page=2").get_data(as_text=True)
    assert second.count('class="card reflection"') == 5
    assert "Older" not in second
