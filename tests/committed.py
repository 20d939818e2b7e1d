"""A database whose writes really commit, for tests where other processes (a worker, a web
server) must see them: a migrated SQLite file, or on PostgreSQL a schema of its own in the
test database, dropped afterwards."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text

from app import migrations


@contextmanager
def committed_database(database_url: str, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'committed.sqlite3'}"
        migrations.upgrade(url)
        yield url
        return
    schema = f"trial_{secrets.token_hex(4)}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        migrations.upgrade(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
