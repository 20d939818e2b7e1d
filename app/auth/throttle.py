"""Sign-in delays that stop guessing, not people: only failed attempts count.

Each failure adds one to two counters, one for the account (the email typed, hashed) and one
for the address it came from. Up to a number of failures nothing happens (SIGNIN_LIMIT_ACCOUNT
and SIGNIN_LIMIT_IP, e.g. "5 per 15 minutes": five free failures); each failure beyond them
starts a wait before the next attempt, doubling from FIRST_DELAY up to the setting's period.
A successful sign-in clears its account's failures, never the address's: one valid account
must not wipe the slate for guesses at others from the same place. Successes add nothing, so
a person signing in ten times, or a whole group on one clinic Wi-Fi, never waits.

The counts live in the rate limiter's storage, so with RATELIMIT_STORAGE_URI on Redis every
worker and instance shares them. When that storage cannot be reached, `LimiterUnavailable`
is raised: sign-in answers "try again in a minute" (503) rather than letting guesses through
unchecked, and recovers by itself when the store answers again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, request
from limits import parse
from limits.errors import StorageError

from app.auth.services import normalise_email
from app.crypto import token_hash
from app.extensions import limiter

FIRST_DELAY_SECONDS = 15
# How long a run of failures is remembered: a day, so that waiting out one period does not
# hand out a fresh set of free guesses.
MEMORY_SECONDS = 24 * 60 * 60


class LimiterUnavailable(Exception):
    """The limiter's storage (Redis) did not answer."""


@dataclass(frozen=True)
class Rule:
    free_failures: int
    longest_delay: int  # seconds

    @classmethod
    def from_setting(cls, text: str) -> Rule:
        item = parse(text)
        return cls(free_failures=item.amount, longest_delay=item.get_expiry())

    def delay_after(self, failures: int) -> int:
        """Seconds to wait after this many failures (0 while they are free)."""
        beyond = failures - self.free_failures
        if beyond <= 0:
            return 0
        return min(FIRST_DELAY_SECONDS * 2 ** (beyond - 1), self.longest_delay)


@dataclass(frozen=True)
class Verdict:
    wait_seconds: int  # 0 when the attempt may go ahead

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0


def _rules() -> dict[str, Rule]:
    settings = current_app.config["TEND"]
    return {
        "account": Rule.from_setting(settings.signin_limit_account),
        "address": Rule.from_setting(settings.signin_limit_ip),
    }


def _subjects(email: str) -> dict[str, str]:
    # Hashed so that the storage never holds an email address or an IP in clear.
    return {
        "account": token_hash(normalise_email(email))[:32],
        "address": token_hash(request.remote_addr or "")[:32],
    }


def _key(kind: str, scope: str, subject: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/signin/{kind}/{scope}/{subject}"


def _storage_call(fn, *args):
    try:
        return fn(*args)
    except StorageError as exc:
        raise LimiterUnavailable from exc


def check(email: str) -> Verdict:
    """May this attempt go ahead? Asked before the password is even looked at."""
    storage = limiter.storage
    waits = [0]
    for scope, subject in _subjects(email).items():
        key = _key("wait", scope, subject)
        if _storage_call(storage.get, key) > 0:
            until = _storage_call(storage.get_expiry, key)
            waits.append(max(int(until - time.time() + 0.999), 1))
    return Verdict(wait_seconds=max(waits))


def failed(email: str) -> Verdict:
    """Count a failure; the verdict says whether it started a wait (a lockout)."""
    storage = limiter.storage
    rules = _rules()
    waits = [0]
    for scope, subject in _subjects(email).items():
        failures = _storage_call(storage.incr, _key("fail", scope, subject), MEMORY_SECONDS)
        delay = rules[scope].delay_after(failures)
        if delay:
            wait_key = _key("wait", scope, subject)
            _storage_call(storage.clear, wait_key)
            _storage_call(storage.incr, wait_key, delay)
            waits.append(delay)
    return Verdict(wait_seconds=max(waits))


def succeeded(email: str) -> None:
    """The account's failures are forgotten; the address's are not."""
    storage = limiter.storage
    subject = _subjects(email)["account"]
    _storage_call(storage.clear, _key("fail", "account", subject))
    _storage_call(storage.clear, _key("wait", "account", subject))


def healthy() -> bool:
    """Does the limiter's storage answer? (For /healthz.)"""
    try:
        return bool(limiter.storage.check())
    except Exception:
        return False
