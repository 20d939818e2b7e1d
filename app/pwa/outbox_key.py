"""The key that seals what the offline outbox keeps on a phone.

Each person has their own AES-256 key, derived with HKDF-SHA256 from the app's secret and
their account id, so nothing needs storing: the server can hand the same key back whenever
the same person signs in again (and so offer back what they wrote while signed out), and
never hands it to anyone else. A deactivated account, an ended or idle session, a signed-out
device get no key at all, so what the phone holds cannot be read there.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # AES-256-GCM in the page's WebCrypto
# Names the key's one use, so the same secret never yields this key for anything else.
INFO = b"tend offline outbox key v1"


def outbox_key(secret_key: str, user_id: int) -> bytes:
    """The person's outbox key: the same for the same person and secret, different otherwise."""
    if not secret_key:
        raise RuntimeError("SECRET_KEY is needed to derive outbox keys")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=INFO + b":" + str(int(user_id)).encode("ascii"),
    ).derive(secret_key.encode("utf-8"))
