"""The demo seed: the accounts of the contract, a cohort in week 3, and never in production."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from app import demo, program
from app.models import Cohort, JournalEntry, Membership, User
from tests.conftest import sign_in

CONTRACT = {
    "admin@example.org": "admin",
    "facilitator@example.org": "facilitator",
    "medical@example.org": "medical",
    "participant@example.org": "participant",
    "participant2@example.org": "participant",
}


@pytest.fixture
def seed_in_test_transaction(app, monkeypatch):
    """Let the seed write through the test's rolled-back connection instead of committing."""
    factory = app.extensions["tend_session_factory"]
    monkeypatch.setattr(demo, "Session", lambda *_args, **_kwargs: factory())
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def people(db) -> dict[str, User]:
    return {user.email: user for user in db.exec(select(User))}


def test_the_seed_creates_the_contract_accounts_with_their_roles(
    app, db, runner, seed_in_test_transaction
):
    result = runner.invoke(args=["demo-seed"])
    assert result.exit_code == 0, result.output
    seeded = people(db)
    assert {email: seeded[email].role for email in CONTRACT} == CONTRACT
    for email in CONTRACT:
        assert email in result.output


def test_the_two_demo_participants_share_a_small_group(app, db, runner, seed_in_test_transaction):
    runner.invoke(args=["demo-seed"])
    seeded = people(db)
    groups = {
        email: db.exec(
            select(Membership.small_group_id).where(Membership.user_id == seeded[email].id)
        ).one()
        for email in ("participant@example.org", "participant2@example.org")
    }
    assert len(set(groups.values())) == 1
    assert None not in groups.values()


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 1, 1, 7, 59, tzinfo=UTC),  # still Dec 31 in Vancouver
        datetime(2026, 1, 1, 8, 0, tzinfo=UTC),  # midnight in Vancouver
        datetime(2026, 7, 15, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 10, 0, tzinfo=UTC),  # the morning daylight saving begins
    ],
)
def test_the_demo_cohort_is_in_week_three_in_vancouver_at_any_hour(
    app, db, seed_in_test_transaction, now
):
    demo.seed(app.config["TEND"], None, only_if_empty=False, now=now)
    cohort = db.exec(select(Cohort)).one()
    assert cohort.timezone == "America/Vancouver"
    assert program.local_today(cohort, now) - cohort.start_date == timedelta(days=16)
    assert program.position(cohort, now).week == 3


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 1, 1, 8, 0, tzinfo=UTC),  # midnight in Vancouver
        datetime(2026, 7, 15, 23, 30, tzinfo=UTC),
    ],
)
def test_the_demo_journals_are_written_in_their_weeks_and_never_in_the_future(
    app, db, seed_in_test_transaction, now
):
    demo.seed(app.config["TEND"], None, only_if_empty=False, now=now)
    cohort = db.exec(select(Cohort)).one()
    entries = db.exec(select(JournalEntry)).all()
    assert entries
    for entry in entries:
        written = entry.created_at.replace(tzinfo=entry.created_at.tzinfo or UTC)
        assert written <= now
        assert program.position(cohort, written).week == entry.week
        assert entry.shared_at is None or entry.shared_at == entry.created_at


def test_a_demo_participant_signs_in_with_the_demo_password_and_sees_week_three(
    app, client, runner, seed_in_test_transaction
):
    runner.invoke(args=["demo-seed"])
    sign_in(client, "participant@example.org", "tend-demo-password")
    assert "Week 3 of 12" in client.get("/").get_data(as_text=True)


def test_the_seed_leaves_a_database_with_people_alone_when_asked_if_empty(
    app, db, runner, world, seed_in_test_transaction
):
    before = db.exec(select(func.count()).select_from(User)).one()
    result = runner.invoke(args=["demo-seed", "--if-empty"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output
    assert db.exec(select(func.count()).select_from(User)).one() == before


def test_the_seed_refuses_a_database_with_people_without_if_empty(
    app, runner, world, seed_in_test_transaction
):
    result = runner.invoke(args=["demo-seed"])
    assert result.exit_code != 0
    assert "needs it empty" in result.output


def test_the_seed_is_refused_in_production(app, db, seed_in_test_transaction):
    production = dataclasses.replace(app.config["TEND"], env="production")
    with pytest.raises(demo.DemoRefused, match="production"):
        demo.seed(production, None, only_if_empty=True)
    assert db.exec(select(func.count()).select_from(User)).one() == 0


def test_the_seed_command_fails_in_production_and_creates_nothing(
    app, db, seed_in_test_transaction
):
    app.config["TEND"] = dataclasses.replace(app.config["TEND"], env="production")
    result = app.test_cli_runner().invoke(args=["demo-seed", "--if-empty"])
    assert result.exit_code != 0
    assert "refused when APP_ENV=production" in result.output
    assert db.exec(select(func.count()).select_from(User)).one() == 0
