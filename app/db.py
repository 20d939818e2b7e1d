"""The database engine and one SQLModel session per request."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

SessionFactory = Callable[[], Session]


def make_engine(url: str) -> Engine:
    engine = _create(url)
    # gunicorn loads the app once and forks its workers (preload_app): a connection the
    # parent opened must never be shared by two processes. Each child forgets the parent's
    # pool without closing it, and opens its own. The weak reference lets engines go.
    forget_in_child = weakref.WeakMethod(engine.dispose)
    os.register_at_fork(after_in_child=lambda: _call(forget_in_child, close=False))
    return engine


def _call(method_ref: weakref.WeakMethod, **kwargs) -> None:
    method = method_ref()
    if method is not None:
        method(**kwargs)


def _owner_only_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner alone (SQLite gives its -wal and -shm files
    the database's own mode), and tighten one an older version left readable by others."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(database, 0o600)
    except FileNotFoundError:
        return  # no such folder: SQLite's own error on connect says so
    except PermissionError:
        return  # another account's database, shared on purpose; not this process's to change


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        _owner_only_file(make_url(url).database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL lets readers and one writer work together; busy_timeout waits instead of
            # failing when gunicorn workers write at the same moment.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["tend_engine"] = engine
    app.extensions.setdefault(
        "tend_session_factory", lambda: Session(engine, expire_on_commit=False)
    )
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["tend_engine"]


def session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["tend_session_factory"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def database_answers() -> bool:
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
