"""Security events: one structured log line and one audit row for each, never personal content.

Sign-ins, failed and refused ones, lockouts, CSRF refusals, 403s, membership changes,
deactivations, withdrawals, password resets, exports and second-factor changes all come
through `record`. The log line is JSON; people appear in it only as keyed hashes (HMAC with a
key derived from SECRET_KEY), so the lines can be shipped to a log service without telling
it who anyone is: no email, no name, no address in clear. The audit row, in the database the
people themselves are in, names them by id, for the administrator's audit view.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app import audit
from app.models import User, utcnow

log = logging.getLogger("tend.security")

SIGNED_IN = "signed_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_REFUSED = "sign_in_refused"  # while a delay after failures is running
SIGN_IN_LOCKED = "sign_in_locked"  # a failure that started a delay
SIGN_IN_UNAVAILABLE = "sign_in_unavailable"  # the limiter's store is down
CSRF_REFUSED = "csrf_refused"
FORBIDDEN = "forbidden"
MEMBERSHIP_ADDED = "membership_added"
STAFF_REMOVED = "staff_removed_from_cohort"
PARTICIPANT_WITHDRAWN = "participant_withdrawn"
ACCOUNT_CLOSED = "account_closed"
SIGNED_OUT_BY_ADMINISTRATOR = "signed_out_by_administrator"
DEACTIVATED = "account_deactivated"
REACTIVATED = "account_reactivated"
RESET_REQUESTED = "password_reset_requested"
RESET_ISSUED = "password_reset_issued"
RESET_COMPLETED = "password_reset_completed"
RESET_REFUSED = "password_reset_refused"
EXPORTED = "data_exported"
SECOND_FACTOR_CHANGED = "second_factor_changed"

# Every kind, for the audit view's filter.
KINDS = (
    SIGNED_IN,
    SIGN_IN_FAILED,
    SIGN_IN_REFUSED,
    SIGN_IN_LOCKED,
    SIGN_IN_UNAVAILABLE,
    CSRF_REFUSED,
    FORBIDDEN,
    MEMBERSHIP_ADDED,
    STAFF_REMOVED,
    PARTICIPANT_WITHDRAWN,
    ACCOUNT_CLOSED,
    SIGNED_OUT_BY_ADMINISTRATOR,
    DEACTIVATED,
    REACTIVATED,
    RESET_REQUESTED,
    RESET_ISSUED,
    RESET_COMPLETED,
    RESET_REFUSED,
    EXPORTED,
    SECOND_FACTOR_CHANGED,
)


def keyed_hash(value: str | int) -> str:
    """A stable pseudonym for an account id, an email or an address: the same value gives the
    same hash in every line (so lines can be followed), and without SECRET_KEY it cannot be
    reversed by trying every email or every IPv4 address."""
    secret = current_app.config["SECRET_KEY"].encode()
    key = hmac.new(secret, b"tend security events", hashlib.sha256).digest()
    return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:24]


def _id(person: User | int | None) -> int | None:
    return person.id if isinstance(person, User) else person


def record(
    db: Session | None,
    kind: str,
    *,
    actor: User | int | None = None,
    subject: User | int | None = None,
    account: str | None = None,
    cohort_id: int | None = None,
    detail: str | None = None,
    commit: bool = False,
) -> None:
    """Log one event and add its audit row to `db` (committed with the caller's change, or at
    once with commit=True); with db=None, in the request's session, committed at once.

    `account` is what someone typed as an email when no account matched: only its keyed hash
    is logged or kept. `detail` is a short code (a data choice, a new role, an export's
    format), never free text.
    """
    actor_id, subject_id = _id(actor), _id(subject)
    line = {"event": kind, "at": utcnow().isoformat(timespec="seconds")}
    # Services called with no app at all (unit tests) have no key to hash with: the audit row
    # is still written, the log line is the app's.
    if has_app_context():
        if actor_id is not None:
            line["actor"] = keyed_hash(actor_id)
        if subject_id is not None:
            line["subject"] = keyed_hash(subject_id)
        if account is not None:
            line["account"] = keyed_hash(account.strip().lower())
        if cohort_id is not None:
            line["cohort"] = cohort_id
        if detail:
            line["detail"] = detail[:40]
        if has_request_context():
            line["endpoint"] = request.endpoint
            line["method"] = request.method
            line["client"] = keyed_hash(request.remote_addr or "")
        log.warning(json.dumps(line, sort_keys=True))

    own = db is None
    if own:
        # The request's own session: nothing else is pending in it where this is used (a
        # refusal rolls back first), and on tests' shared connection a second session's
        # commit would be undone with the request's.
        from app import db as database

        db, commit = database.session(), True
    try:
        audit.record(
            db,
            _user_or_none(db, actor_id),
            kind,
            subject=subject_id,
            cohort_id=cohort_id,
            object_type="account" if account is not None else ("detail" if detail else None),
            object_id=line.get("account") or (detail[:64] if detail else None),
        )
        if commit:
            db.commit()
    except SQLAlchemyError:
        if not own:
            raise  # the caller's transaction: theirs to handle
        # The log line is out; a database that cannot take the row must not turn a refusal
        # into a 500.
        log.exception("security event %s: audit row not written", kind)
        db.rollback()


def _user_or_none(db: Session, actor_id: int | None) -> User | None:
    if actor_id is None:
        return None
    return db.get(User, actor_id)


def second_factor_changed(db: Session, user: User, change: str, *, actor: User | None = None):
    """For the second-factor pages: `change` is a short code such as "totp_added",
    "passkey_removed" or "recovery_codes_renewed"."""
    record(db, SECOND_FACTOR_CHANGED, actor=actor or user, subject=user, detail=change)


class _RedactTokens(logging.Filter):
    """The development server logs whole request lines: a reset link's token never shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _TOKEN_IN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]+")


def redact_tokens_in_request_logs() -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _RedactTokens) for f in werkzeug.filters):
        werkzeug.addFilter(_RedactTokens())
