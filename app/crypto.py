"""Encrypted text columns for sensitive free text and answers, and key rotation.

Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) through MultiFernet:
the first key in DATA_KEYS encrypts, every key decrypts, so keys can be rotated without
downtime: add a new key in front, run `flask rotate-keys`, then drop the old one.
"""

from __future__ import annotations

import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

_keyring: MultiFernet | None = None
_primary: Fernet | None = None


class UndecryptableValue(RuntimeError):
    """Encrypted data cannot be read with the configured keys."""


def configure(keys: list[str]) -> None:
    """Install the process-wide keyring; the first key encrypts."""
    global _keyring, _primary
    try:
        fernets = [Fernet(k.encode()) for k in keys]
        _keyring, _primary = MultiFernet(fernets), fernets[0]
    except (ValueError, TypeError) as exc:
        raise ValueError(
            "DATA_KEYS must be Fernet keys (32 url-safe base64 bytes); "
            "make one with `flask generate-key`."
        ) from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()


def _ring() -> MultiFernet:
    if _keyring is None:
        raise RuntimeError("crypto.configure() was not called")
    return _keyring


def encrypt(plaintext: str) -> str:
    return _ring().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _ring().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise UndecryptableValue("A stored value cannot be decrypted with DATA_KEYS.") from exc


def token_hash(value: str) -> str:
    """SHA-256 of a high-entropy random token (sessions, invites); stable across key rotation."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class EncryptedText(TypeDecorator):
    """A text column whose plaintext never reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(value)


def encrypted_columns(metadata) -> list[tuple]:
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.append((table, column))
    return found


def _encrypted_under_primary(token: bytes) -> bool:
    try:
        _primary.decrypt(token)
        return True
    except InvalidToken:
        return False


def rotate(connection: Connection, metadata) -> int:
    """Re-encrypt every encrypted value under the newest key; returns how many changed."""
    ring = _ring()
    changed = 0
    for table, column in encrypted_columns(metadata):
        pk = list(table.primary_key.columns)
        raw = type_coerce(column, Text)
        rows = connection.execute(select(*pk, raw.label("raw")).where(column.isnot(None)))
        for row in rows.mappings().all():
            token = row["raw"].encode("ascii")
            if _encrypted_under_primary(token):
                continue
            new_token = ring.rotate(token).decode("ascii")
            condition = [c == row[c.name] for c in pk]
            connection.execute(
                update(table).where(*condition).values({column.name: type_coerce(new_token, Text)})
            )
            changed += 1
    return changed
