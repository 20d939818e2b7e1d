"""`flask backup` and `flask restore` on PostgreSQL (pg_dump custom format, pg_restore)."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, text

from app import create_app, migrations
from app.backup import expected_revision

URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.skipif(not URL.startswith("postgresql"), reason="needs TEST_DATABASE_URL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs the PostgreSQL client"),
]


def cli(*args: str):
    application = create_app({"database_url": URL})
    try:
        return application.test_cli_runner().invoke(args=list(args))
    finally:
        application.extensions["tend_engine"].dispose()


@pytest.fixture
def engine():
    migrations.upgrade(URL)  # as the suite leaves it: at head
    engine = create_engine(URL)
    yield engine
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS backup_probe"))
    engine.dispose()


def test_a_dump_restores_every_acknowledged_row_and_refuses_a_busy_database(engine, tmp_path):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE backup_probe (id integer PRIMARY KEY)"))
        connection.execute(text("INSERT INTO backup_probe SELECT generate_series(1, 200)"))
    dump = tmp_path / "tend.dump"
    made = cli("backup", str(dump))
    assert made.exit_code == 0, made.output
    assert f"revision {expected_revision()}" in made.output
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM backup_probe"))

    with engine.connect() as busy:  # a running web process's connection
        busy.execute(text("SELECT 1"))
        refused = cli("restore", str(dump))
        assert refused.exit_code != 0
        assert "stop Tend" in refused.output
    engine.dispose()

    restored = cli("restore", str(dump))
    assert restored.exit_code == 0, restored.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM backup_probe")).scalar_one() == 200
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert revision == expected_revision()


def test_a_file_that_is_not_a_dump_is_refused(engine, tmp_path):
    junk = tmp_path / "tend.dump"
    junk.write_bytes(b"not a dump at all")
    answer = cli("restore", str(junk))
    assert answer.exit_code != 0
    assert "not a readable pg_dump archive" in answer.output
