"""Fixtures in the spirit of Flask's tutorial: app, client, and a small world of people.

Every database test runs on SQLite and, when TEST_DATABASE_URL points at PostgreSQL, on
PostgreSQL too. Each test runs inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy import create_engine, text
from sqlmodel import Session

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DATA_KEYS", Fernet.generate_key().decode())
os.environ.pop("APP_ENV", None)
# A VAPID key of the run's own, so the suite writes none into instance/.
os.environ.setdefault(
    "VAPID_PRIVATE_KEY",
    base64.urlsafe_b64encode(
        ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")
    )
    .rstrip(b"=")
    .decode(),
)
# Development mail from the suite goes to a folder of its own, never instance/mail.
os.environ.setdefault("DEV_MAIL_DIR", os.path.join(tempfile.mkdtemp(prefix="tend-mail-"), "mail"))

from app import create_app, crypto, migrations  # noqa: E402
from app.auth.passwords import hash_password  # noqa: E402
from app.extensions import (  # noqa: E402
    babel,
    compress,
    csrf,
    htmx,
    limiter,
    login_manager,
    talisman,
)
from app.models import Cohort, Membership, Role, SmallGroup, User  # noqa: E402
from app.notifications import outbox  # noqa: E402
from app.program import local_today  # noqa: E402
from app.sessions import checklist  # noqa: E402
from tests.canaries import _scan_every_message_sent  # noqa: E402, F401  (a session fixture)

PASSWORD = "correct horse battery"
CSRF_PATTERN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        backends.append("postgresql")
    return backends


@pytest.fixture(scope="session", params=_backends())
def database_url(request, tmp_path_factory) -> str:
    """A migrated, empty database for the whole run, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tend-test.sqlite3'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrations.upgrade(url)
    return url


def pytest_collection_modifyitems(config, items):
    """Tests marked any_database check what no database changes: they run on SQLite only."""
    once, kept = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        (once if on_postgres and item.get_closest_marker("any_database") else kept).append(item)
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = kept


# The singletons create_app binds: each create_app re-binds them, so a shared app puts back
# what they held when it was built before each of its tests.
_BOUND_SINGLETONS = (babel, compress, csrf, htmx, limiter, login_manager, talisman)
_shared_apps: dict[str, tuple[Flask, dict]] = {}


def _shared_app(database_url: str) -> Flask:
    """The run's one app for this database, as it was when built, with fresh sign-in limits."""
    if database_url not in _shared_apps:
        application = create_app({"database_url": database_url})
        bound = {singleton: dict(vars(singleton)) for singleton in _BOUND_SINGLETONS}
        _shared_apps[database_url] = (application, bound)
    application, bound = _shared_apps[database_url]
    for singleton, state in bound.items():
        vars(singleton).clear()
        vars(singleton).update(state)
    settings = application.config["TEND"]
    crypto.configure(settings.data_keys)
    checklist.configure(settings.checklist_open_hours)
    outbox.configure(settings)
    limiter.reset()
    return application


@pytest.fixture
def app(request, database_url):
    """An app whose every request shares one connection, rolled back after the test.

    Tests marked shared_app reuse one app per database (routes compiled and templates
    loaded once), restored to its settings after each test; the others get a fresh one.
    """
    shared = request.node.get_closest_marker("shared_app") is not None
    if shared:
        application = _shared_app(database_url)
        config, extensions = dict(application.config), dict(application.extensions)
    else:
        application = create_app({"database_url": database_url})
    engine = application.extensions["tend_engine"]
    connection = engine.connect()
    outer = connection.begin()

    def session_factory() -> Session:
        return Session(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    application.extensions["tend_session_factory"] = session_factory
    application.config.update(TESTING=True)
    yield application
    outer.rollback()
    connection.close()
    if shared:
        application.config.clear()
        application.config.update(config)
        application.extensions.clear()
        application.extensions.update(extensions)
    else:
        engine.dispose()


@pytest.fixture
def db(app):
    """A session on the test's connection, for arranging and checking data."""
    session = app.extensions["tend_session_factory"]()
    yield session
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@lru_cache(maxsize=1)
def password_hash() -> str:
    # Hashing once keeps the suite fast; sign-in still verifies it with argon2.
    return hash_password(PASSWORD)


def csrf_token(client) -> str:
    page = client.get("/help")
    return CSRF_PATTERN.search(page.get_data(as_text=True)).group(1)


def sign_in(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    response = client.post(
        "/signin",
        data={"csrf_token": csrf_token(client), "email": email, "password": password},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def post(client, url: str, data: dict | None = None, **kwargs):
    """A form post with a valid CSRF token, as the browser would send it."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(url, data=payload, **kwargs)


@dataclass
class World:
    """Two cohorts, their small groups and a person in every relation that access cares about."""

    db: Session
    cohort: Cohort = None
    other_cohort: Cohort = None
    cedar: SmallGroup = None
    willow: SmallGroup = None
    people: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None

    def add_person(self, key, role, cohort=None, group=None, cohort_role=None) -> User:
        user = User(
            email=f"{key}@example.test",
            display_name=key.replace("_", " ").title(),
            password_hash=password_hash(),
            role=role,
        )
        self.db.add(user)
        self.db.flush()
        if cohort is not None:
            self.db.add(
                Membership(
                    user_id=user.id,
                    cohort_id=cohort.id,
                    small_group_id=group.id if group else None,
                    role=cohort_role or role,
                )
            )
        self.db.commit()
        self.people[key] = user
        return user


def build_world(session: Session, now: datetime | None = None) -> World:
    now = now or datetime.now(UTC)
    world = World(db=session)
    probe = Cohort(name="", start_date=now.date(), timezone="America/Vancouver")
    start = local_today(probe, now) - timedelta(days=16)
    world.cohort = Cohort(name="Cohort A", start_date=start, timezone="America/Vancouver")
    world.other_cohort = Cohort(name="Cohort B", start_date=start, timezone="America/Toronto")
    session.add_all([world.cohort, world.other_cohort])
    session.flush()
    world.cedar = SmallGroup(cohort_id=world.cohort.id, name="Cedar")
    world.willow = SmallGroup(cohort_id=world.cohort.id, name="Willow")
    other_group = SmallGroup(cohort_id=world.other_cohort.id, name="Birch")
    session.add_all([world.cedar, world.willow, other_group])
    session.commit()
    world.add_person("participant", Role.participant, world.cohort, world.cedar)
    world.add_person("same_group", Role.participant, world.cohort, world.cedar)
    world.add_person("other_group", Role.participant, world.cohort, world.willow)
    world.add_person("other_cohort", Role.participant, world.other_cohort, other_group)
    world.add_person("facilitator", Role.facilitator, world.cohort)
    world.add_person("other_facilitator", Role.facilitator, world.other_cohort)
    world.add_person("medical", Role.medical, world.cohort)
    world.add_person("admin", Role.admin)
    return world


@pytest.fixture
def world(db) -> World:
    return build_world(db)


@pytest.fixture(autouse=True)
def _sqlite_test_transaction_is_real(request):
    """Make the app fixture's outer transaction real on SQLite, so that it rolls back.

    pysqlite only opens a transaction before the first write, so the SAVEPOINT a request's
    session starts became the outermost one and its RELEASE committed for real: rows leaked
    from one test into the next. An explicit BEGIN on the shared connection keeps every
    savepoint inside the transaction that the app fixture rolls back.
    """
    if "app" in request.fixturenames:
        application = request.getfixturevalue("app")
        probe = application.extensions["tend_session_factory"]()
        connection = probe.bind
        probe.close()
        raw = connection.connection.dbapi_connection
        if connection.dialect.name == "sqlite" and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")
    yield
