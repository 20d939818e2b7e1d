"""How many SQL statements a page issues: the same with a few rows as with many.

A page whose statement count grows with the rows it shows (a query per entry, a lazy load per
card) gets slower with every week of a cohort; these tests catch it at the first extra row.
"""

from __future__ import annotations

from contextlib import contextmanager
from uuid import uuid4

from sqlalchemy import event

from app.journal import services
from app.models import Sharing
from tests.conftest import sign_in


@contextmanager
def counted(app):
    """Counts the statements the app's engine runs inside the block."""
    statements = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        # The test's savepoints are the fixture's, not the page's.
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = app.extensions["tend_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app, client, url: str) -> int:
    client.get(url)  # warm: the first request of a sign-in may settle the session row
    with counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def write_entries(db, user, count: int, sharing: str = Sharing.group) -> None:
    for number in range(count):
        services.save(
            db,
            user,
            client_uuid=str(uuid4()),
            fields=services.EntryFields(body=f"Entry {number}", week=3, sharing=sharing),
            base_version=None,
            draft=False,
        )


def test_the_participant_pages_issue_as_many_statements_for_many_entries_as_for_one(
    app, client, db, world
):
    write_entries(db, world.participant, 1)
    write_entries(db, world.same_group, 1)
    sign_in(client, world.participant)
    few = {url: statements_for(app, client, url) for url in ("/", "/journal/", "/journal/group")}
    write_entries(db, world.participant, 12)
    write_entries(db, world.same_group, 12)
    many = {url: statements_for(app, client, url) for url in few}
    assert many == few
    assert many["/journal/"] <= 5


def test_the_reading_room_issues_as_many_statements_for_many_entries_as_for_one(
    app, client, db, world
):
    write_entries(db, world.participant, 1)
    sign_in(client, world.facilitator)
    room = f"/team/cohorts/{world.cohort.id}/reflections"
    week = f"{room}/{world.cedar.id}/week/3"
    few = {url: statements_for(app, client, url) for url in (room, week)}
    write_entries(db, world.participant, 12)
    write_entries(db, world.same_group, 12)
    many = {url: statements_for(app, client, url) for url in few}
    assert many == few
    assert many[week] <= 6
