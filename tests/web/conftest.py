"""Fixtures for the web tests: more apps with their own settings on the test's database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from app.auth.services import create_invites


@pytest.fixture
def make_app(app):
    """Build another app with some settings changed, sharing the test's rolled-back connection.

    Each call is a fresh `create_app`, as a second worker or a differently configured
    deployment would be; its requests see the data the test arranged and leave nothing behind.
    """
    made = []

    def factory(**settings):
        other = create_app({"database_url": app.config["TEND"].database_url, **settings})
        other.extensions["tend_session_factory"] = app.extensions["tend_session_factory"]
        other.config.update(TESTING=True)
        made.append(other)
        return other

    yield factory
    for other in made:
        other.extensions["tend_engine"].dispose()


@pytest.fixture
def invite(db, world):
    """One open invite code for the world's cohort, in the Cedar small group."""
    [made] = create_invites(
        db,
        world.facilitator,
        world.cohort.id,
        count=1,
        small_group_id=world.cedar.id,
        valid_for=timedelta(days=14),
    )
    return made
