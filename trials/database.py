"""The database a trial runs on, migrated and seeded, and what is in it afterwards."""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, make_url, text, update
from sqlmodel import Session, select

from app import crypto, migrations
from app.config import Settings
from app.db import make_engine
from app.demo import seed
from app.models import JournalEntry, SignInSession, User
from bench.environment import scoped_environ

# The app's own connections carry this name, so an outage ends theirs and no one else's.
APPLICATION_NAME = "tend_trials"


@dataclass(frozen=True)
class Stored:
    entry_id: int
    client_uuid: str
    body: str
    draft: bool
    version: int
    sharing: str
    pending_body: str | None


@dataclass
class Database:
    url: str
    env: dict[str, str]
    password: str
    directory: Path
    kind: str

    def entries(self, email: str) -> list[Stored]:
        """Every entry of one person, drafts and changes not saved yet included."""
        engine = make_engine(self.url)
        try:
            with Session(engine) as db:
                user = db.exec(select(User).where(User.email == email)).one()
                rows = db.exec(select(JournalEntry).where(JournalEntry.user_id == user.id))
                return [_stored(entry) for entry in rows]
        finally:
            engine.dispose()

    def expire_sessions(self, email: str) -> None:
        """As if the person had been idle past their limit: the next request finds the
        sign-in ended, exactly as the idle check would."""
        engine = make_engine(self.url)
        try:
            with Session(engine) as db:
                user = db.exec(select(User).where(User.email == email)).one()
                db.exec(
                    update(SignInSession)
                    .where(SignInSession.user_id == user.id)
                    .values(last_seen_at=datetime(2000, 1, 1, tzinfo=UTC))
                )
                db.commit()
        finally:
            engine.dispose()


def _stored(entry: JournalEntry) -> Stored:
    pending = json.loads(entry.pending) if entry.pending else None
    return Stored(
        entry_id=entry.id,
        client_uuid=entry.client_uuid,
        body=entry.body,
        draft=entry.draft,
        version=entry.version,
        sharing=entry.sharing,
        pending_body=pending.get("body") if pending else None,
    )


@contextmanager
def prepared(postgres_url: str | None) -> Iterator[Database]:
    """SQLite in a temporary directory, or the given PostgreSQL database emptied and rebuilt
    (it must be one the trials may wipe: TEST_DATABASE_URL's)."""
    with tempfile.TemporaryDirectory(prefix="tend-trials-") as tmp:
        directory = Path(tmp)
        if postgres_url is None:
            url, kind = f"sqlite:///{directory / 'tend.sqlite3'}", "SQLite"
        else:
            _empty(postgres_url)
            parsed = make_url(postgres_url)
            query = {**parsed.query, "application_name": APPLICATION_NAME}
            url, kind = parsed.set(query=query).render_as_string(hide_password=False), "PostgreSQL"
        env = {
            "APP_ENV": "development",
            "DATABASE_URL": url,
            "DATA_KEYS": Fernet.generate_key().decode(),
            "SECRET_KEY": secrets.token_hex(32),
            # Each device says which address it is, as behind a proxy.
            "PROXY_COUNT": "1",
        }
        with scoped_environ(env):
            settings = Settings.from_env()
            migrations.upgrade(url)
            crypto.configure(settings.data_keys)
            engine = make_engine(url)
            try:
                accounts = seed(settings, engine, only_if_empty=False)
            finally:
                engine.dispose()
        yield Database(url=url, env=env, password=accounts.password, directory=directory, kind=kind)


def _empty(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
