"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256

# argon2id with 19 MiB and two passes: OWASP's minimum, affordable on two cores under load.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A real hash of a throwaway password: verifying against it makes an unknown email take as
# long as a wrong password, so timing does not tell which accounts exist.
_TIMING_DECOY = _hasher.hash("timing-decoy-not-a-password")


def spend_verification_time(password: str) -> None:
    verify_password(_TIMING_DECOY, password)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from public breach corpora.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


class PasswordProblem(ValueError):
    """A new password that Tend refuses, with the reason as a key the form translates."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_new_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise PasswordProblem('too_short' | 'too_long' | 'common' | 'personal')."""
    if len(password) < MIN_LENGTH:
        raise PasswordProblem("too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordProblem("too_long")
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        raise PasswordProblem("common")
    personal = {email.lower(), email.split("@")[0].lower(), name.lower()} - {""}
    if lowered in personal:
        raise PasswordProblem("personal")
