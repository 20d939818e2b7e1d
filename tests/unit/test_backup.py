"""`flask backup` and `flask restore` on a real SQLite file in WAL mode, with writes in flight.

Recent commits live in the -wal file until a checkpoint: these tests keep them there (another
connection, automatic checkpoints off, or a writer killed before it could checkpoint), as a
running or crashed Tend leaves them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command

from app import create_app, migrations
from app.backup import expected_revision

pytestmark = pytest.mark.any_database

ROWS = 200


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "tend.sqlite3"
    migrations.upgrade(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE saves (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    connection.commit()
    connection.close()
    return path


@pytest.fixture
def database(tmp_path, migrated_template) -> Path:
    path = tmp_path / "live" / "tend.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(migrated_template, path)
    return path


def cli(database: Path, *args: str):
    application = create_app({"database_url": f"sqlite:///{database}"})
    try:
        return application.test_cli_runner().invoke(args=list(args))
    finally:
        application.extensions["tend_engine"].dispose()


def writer(path: Path) -> sqlite3.Connection:
    """A connection like a gunicorn worker's, whose commits stay in the WAL."""
    connection = sqlite3.connect(path, timeout=15, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    return connection


def save(connection: sqlite3.Connection, number: int) -> None:
    connection.execute("INSERT INTO saves (id, body) VALUES (?, ?)", (number, "word " * 40))
    connection.commit()  # acknowledged


def saved_ids(path: Path) -> set[int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in connection.execute("SELECT id FROM saves")}
    finally:
        connection.close()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        connection.close()


def test_copying_the_file_alone_loses_saves_that_flask_backup_keeps(database, tmp_path):
    live = writer(database)
    for number in range(ROWS):
        save(live, number)
    assert Path(f"{database}-wal").stat().st_size > 0

    plain_copy = tmp_path / "copied.sqlite3"
    shutil.copyfile(database, plain_copy)
    assert len(saved_ids(plain_copy)) < ROWS  # why the README warns against it

    answer = cli(database, "backup", str(tmp_path / "backup.sqlite3"))
    assert answer.exit_code == 0, answer.output
    backup = tmp_path / "backup.sqlite3"
    assert saved_ids(backup) == set(range(ROWS))
    assert integrity(backup) == "ok"
    # One self-contained file: nothing to forget beside it.
    assert not Path(f"{backup}-wal").exists()
    assert f"revision {expected_revision()}" in answer.output
    live.close()


def test_a_backup_taken_during_writes_keeps_every_save_acknowledged_before_it(database, tmp_path):
    live = writer(database)
    acknowledged: list[int] = []
    stop = threading.Event()

    def keep_saving():
        number = 0
        while not stop.is_set():
            save(live, number)
            acknowledged.append(number)
            number += 1

    saving = threading.Thread(target=keep_saving)
    saving.start()
    try:
        while len(acknowledged) < 100:
            stop.wait(0.01)
        before = set(acknowledged)
        answer = cli(database, "backup", str(tmp_path / "backup.sqlite3"))
    finally:
        stop.set()
        saving.join()
    assert answer.exit_code == 0, answer.output
    in_backup = saved_ids(tmp_path / "backup.sqlite3")
    assert before <= in_backup
    assert in_backup <= set(acknowledged)
    assert integrity(tmp_path / "backup.sqlite3") == "ok"
    live.close()


def test_a_backup_never_overwrites_a_file(database, tmp_path):
    existing = tmp_path / "backup.sqlite3"
    existing.write_text("yesterday's backup")
    answer = cli(database, "backup", str(existing))
    assert answer.exit_code != 0
    assert "already exists" in answer.output
    assert existing.read_text() == "yesterday's backup"


def crash_leaving_a_wal(path: Path, first: int, count: int) -> None:
    """Commit rows and die without closing: the -wal stays, as after a SIGKILL."""
    child = os.fork()
    if child == 0:
        try:
            connection = writer(path)
            for number in range(first, first + count):
                save(connection, number)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def test_restoring_beside_an_old_wal_gives_exactly_the_backup(database, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    seeded = writer(database)
    for number in range(50):
        save(seeded, number)
    seeded.execute("VACUUM")  # the backup's pages laid out differently from what follows
    seeded.close()
    assert cli(database, "backup", str(backup)).exit_code == 0
    crash_leaving_a_wal(database, 1000, ROWS)
    assert Path(f"{database}-wal").stat().st_size > 0

    # What an operator would otherwise do: copy the backup over the file, -wal left beside.
    naive = tmp_path / "naive" / "tend.sqlite3"
    naive.parent.mkdir()
    shutil.copyfile(backup, naive)
    shutil.copyfile(f"{database}-wal", f"{naive}-wal")
    assert integrity(naive) != "ok" or saved_ids(naive) != set(range(50))

    answer = cli(database, "restore", str(backup))
    assert answer.exit_code == 0, answer.output
    assert integrity(database) == "ok"
    assert saved_ids(database) == set(range(50))
    # The database it replaced is kept whole, its -wal folded in or moved with it.
    kept = next(database.parent.glob("tend.sqlite3.replaced-*[0-9]Z"))
    assert saved_ids(kept) == set(range(50)) | set(range(1000, 1000 + ROWS))


def test_restore_refuses_while_the_app_has_the_database_open(database, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert cli(database, "backup", str(backup)).exit_code == 0
    live = writer(database)
    save(live, 7)

    refused = cli(database, "restore", str(backup))
    assert refused.exit_code != 0
    assert "stop Tend" in refused.output
    assert 7 in saved_ids(database)

    forced = cli(database, "restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    live.close()
    assert saved_ids(database) == set()


def test_restore_refuses_a_damaged_backup(database, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert cli(database, "backup", str(backup)).exit_code == 0
    with backup.open("r+b") as damaged:
        damaged.seek(4096 * 3)
        damaged.write(b"\xff" * 4096)
    answer = cli(database, "restore", str(backup))
    assert answer.exit_code != 0
    assert "integrity" in answer.output or "not a readable" in answer.output
    assert integrity(database) == "ok"


def test_restore_refuses_a_backup_from_a_newer_tend(database, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert cli(database, "backup", str(backup)).exit_code == 0
    connection = sqlite3.connect(backup)
    connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.commit()
    connection.close()
    answer = cli(database, "restore", str(backup))
    assert answer.exit_code != 0
    assert "newer Tend" in answer.output


def test_restore_of_an_older_schema_upgrades_only_when_asked(database, tmp_path):
    older = tmp_path / "older.sqlite3"
    command.upgrade(migrations.alembic_config(f"sqlite:///{older}"), "0011")

    declined = cli(database, "restore", "--no-upgrade", str(older))
    assert declined.exit_code != 0
    assert "--upgrade" in declined.output

    upgraded = cli(database, "restore", "--upgrade", str(older))
    assert upgraded.exit_code == 0, upgraded.output
    connection = sqlite3.connect(database)
    assert (
        connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        == expected_revision()
    )
    connection.close()
