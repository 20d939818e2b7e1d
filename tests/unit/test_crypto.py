"""The encrypted column: plaintext never reaches the database, and keys rotate without loss."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from app import create_app, crypto, migrations
from app.auth.services import create_invites
from app.models import Cohort, Invite, User


@pytest.fixture(autouse=True)
def keyring_restored():
    """Tests here reconfigure the process-wide keyring; put it back as it was."""
    saved = (crypto._keyring, crypto._primary)
    yield
    crypto._keyring, crypto._primary = saved


@pytest.fixture
def keys(app):
    """The app's key (the old one) and a fresh one (the new one)."""
    return app.config["TEND"].data_keys[0], Fernet.generate_key().decode()


def new_invite(db, world) -> Invite:
    [invite] = create_invites(
        db,
        world.facilitator,
        world.cohort.id,
        count=1,
        small_group_id=None,
        valid_for=timedelta(days=1),
    )
    return invite


def raw_code(db, invite_id: int) -> str:
    query = text("SELECT code FROM invite WHERE id = :id")
    return db.connection().execute(query, {"id": invite_id}).scalar_one()


def reloaded(db, invite_id: int) -> Invite:
    db.expire_all()
    return db.get(Invite, invite_id)


def test_an_encrypted_value_reads_back_as_written(db, world):
    invite = new_invite(db, world)
    assert reloaded(db, invite.id).code == invite.code


def test_the_stored_value_is_a_fernet_token_not_the_plaintext(db, world):
    invite = new_invite(db, world)
    stored = raw_code(db, invite.id)
    assert invite.code not in stored
    assert invite.code.replace("-", "") not in stored
    assert stored.startswith("gAAAAA")
    assert crypto.decrypt(stored) == invite.code


def test_the_same_text_encrypts_differently_each_time():
    crypto.configure([Fernet.generate_key().decode()])
    assert crypto.encrypt("same words") != crypto.encrypt("same words")


def test_a_value_under_an_unknown_key_fails_with_a_clear_error(db, world, keys):
    invite = new_invite(db, world)
    crypto.configure([Fernet.generate_key().decode()])
    with pytest.raises(crypto.UndecryptableValue, match="cannot be decrypted with DATA_KEYS"):
        reloaded(db, invite.id)


def test_a_malformed_key_is_refused_at_start_up_with_a_clear_error(app):
    with pytest.raises(ValueError, match="DATA_KEYS must be Fernet keys"):
        create_app({"database_url": "sqlite://", "data_keys": ["not-a-fernet-key"]})


def test_rotation_re_encrypts_under_the_new_key_so_the_old_key_can_be_dropped(db, world, keys):
    old, new = keys
    invite = new_invite(db, world)
    before = raw_code(db, invite.id)
    crypto.configure([new, old])
    assert crypto.rotate(db.connection(), SQLModel.metadata) == 1
    assert raw_code(db, invite.id) != before
    crypto.configure([new])
    assert reloaded(db, invite.id).code == invite.code


def test_without_rotation_dropping_the_old_key_loses_the_data(db, world, keys):
    old, new = keys
    invite = new_invite(db, world)
    crypto.configure([new, old])
    crypto.configure([new])
    with pytest.raises(crypto.UndecryptableValue):
        reloaded(db, invite.id)


def test_rotating_twice_changes_nothing_the_second_time(db, world, keys):
    old, new = keys
    new_invite(db, world)
    new_invite(db, world)
    crypto.configure([new, old])
    assert crypto.rotate(db.connection(), SQLModel.metadata) == 2
    assert crypto.rotate(db.connection(), SQLModel.metadata) == 0


def test_values_written_after_adding_a_key_use_the_new_key(db, world, keys):
    old, new = keys
    crypto.configure([new, old])
    invite = new_invite(db, world)
    crypto.configure([new])
    assert reloaded(db, invite.id).code == invite.code


def test_the_rotate_keys_command_re_encrypts_a_database(tmp_path):
    """On a database of its own: the command opens its own connection and commits."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = f"sqlite:///{tmp_path / 'rotate.sqlite3'}"
    migrations.upgrade(url)
    first = create_app({"database_url": url, "data_keys": [old]})
    with Session(first.extensions["tend_engine"]) as db:
        admin = User(email="a@example.org", display_name="A", password_hash="x", role="admin")
        db.add(admin)
        cohort = Cohort(name="C", start_date=date(2026, 1, 5))
        db.add(cohort)
        db.commit()
        [invite] = create_invites(
            db, admin, cohort.id, count=1, small_group_id=None, valid_for=timedelta(days=1)
        )
        code = invite.code
    first.extensions["tend_engine"].dispose()

    second = create_app({"database_url": url, "data_keys": [new, old]})
    result = second.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 value(s)" in result.output

    crypto.configure([new])
    with Session(second.extensions["tend_engine"]) as db:
        assert db.get(Invite, invite.id).code == code
    second.extensions["tend_engine"].dispose()
