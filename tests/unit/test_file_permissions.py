"""What Tend writes to disk for itself (development keys in instance/, the SQLite database and
its journal files) is readable by its owner alone, whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from app import config, db

pytestmark = pytest.mark.any_database


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_development_keys_and_their_folder_are_the_owners_only(tmp_path, monkeypatch, open_umask):
    instance = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE", instance)
    secret = config._dev_secret("secret_key", lambda: "s3cret")
    assert secret == "s3cret"
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600


def test_a_key_left_readable_by_an_older_version_is_tightened(tmp_path, monkeypatch, open_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "data_key").write_text("old")
    os.chmod(instance / "data_key", 0o644)
    monkeypatch.setattr(config, "INSTANCE", instance)
    assert config._dev_secret("data_key", lambda: "new") == "old"
    assert mode(instance) == 0o700
    assert mode(instance / "data_key") == 0o600


def test_the_sqlite_database_and_its_journal_are_the_owners_only(tmp_path, open_umask):
    path = tmp_path / "tend.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        assert mode(path) == 0o600
        for journal in tmp_path.glob("tend.sqlite3-*"):
            assert mode(journal) == 0o600, journal.name
    finally:
        engine.dispose()


def test_an_existing_database_readable_by_others_is_tightened(tmp_path, open_umask):
    path = tmp_path / "tend.sqlite3"
    path.touch()
    os.chmod(path, 0o644)
    engine = db.make_engine(f"sqlite:///{path}")
    engine.dispose()
    assert mode(path) == 0o600
