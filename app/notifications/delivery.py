"""Delivering the outbox: claim due rows, send each, record the outcome. At least once.

A worker claims a batch in one short transaction: on PostgreSQL with
`SELECT … FOR UPDATE SKIP LOCKED`, so several workers never claim the same row; each claimed
row gets a lease (`claimed_until`) and a claim token. The message is then sent outside any
transaction, and the outcome is written only if the row still carries this worker's token.
A worker killed mid-send leaves its rows `sending`; when the lease runs out another worker
(or the same one restarted) claims them again, so nothing is lost. A message may then arrive
twice; its email Message-ID and push topic and tag stay the same, so mail systems and phones
can tell. SQLite has no row locks: run one worker there.

Every attempt is in the audit trail: who it was for, the channel and kind, and the outcome,
never the content.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.signals import Namespace
from sqlmodel import Session, or_, select

from app import audit
from app.models import Cohort, Delivery, Notification, User, utcnow
from app.notifications import alerts, devices, kinds, mail, messages, push
from app.notifications.errors import Gone, Permanent, Transient
from app.notifications.outbox import EMAIL, PUSH

log = logging.getLogger("tend.notifications")
BATCH = 20
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=30)
# Sent with every message just before it leaves (its subject and parts, or its push
# payload): the test suite listens and scans them all for clinical detail.
message_leaving = Namespace().signal("tend-message-leaving")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8, 16 minutes, then every 30 minutes: about an hour over eight tries."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost_claims: int = 0
    ids: list[int] = field(default_factory=list)


def claim(
    db: Session, now: datetime, lease_seconds: int, limit: int = BATCH
) -> list[tuple[int, str]]:
    """Take up to `limit` due rows for this worker; returns (id, claim token) pairs."""
    token = secrets.token_hex(16)
    query = (
        select(Notification)
        .where(
            or_(
                (Notification.status == Delivery.pending) & (Notification.due_at <= now),
                (Notification.status == Delivery.sending) & (Notification.claimed_until < now),
            )
        )
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(db.exec(query))
    for row in rows:
        row.status = Delivery.sending
        row.claim_token = token
        row.claimed_until = now + timedelta(seconds=lease_seconds)
        # Counted when claimed, so a message that kills its worker every time still ends.
        row.attempts += 1
        db.add(row)
    db.commit()
    return [(row.id, token) for row in rows]


class Deliverer:
    """Sends claimed rows through the app's channels; one per batch, so SMTP connects once."""

    def __init__(self, app: Flask, session_factory, mail_transport=None):
        self.app = app
        self.settings = app.config["TEND"]
        self.session_factory = session_factory
        self.mail = mail_transport if mail_transport is not None else mail.transport(self.settings)

    def close(self) -> None:
        if self.mail is not None:
            self.mail.close()

    def deliver(self, notification_id: int, token: str, tally: Tally) -> None:
        with self.session_factory() as db:
            row = db.get(Notification, notification_id)
            if row is None or row.claim_token != token or row.status != Delivery.sending:
                tally.lost_claims += 1
                return
            try:
                context = kinds.prepare(db, row)
            except Exception:
                log.exception("notification %s: preparing failed", row.id)
                context = False
            if context is None:
                self._finish(db, row, token, Delivery.cancelled, None, tally)
                return
            try:
                if context is False:
                    raise Transient("prepare failed")
                self._send(db, row, context)
            except Transient as failure:
                if row.attempts >= MAX_ATTEMPTS:
                    self._finish(db, row, token, Delivery.failed, str(failure), tally)
                else:
                    self._retry(db, row, token, str(failure), tally)
            except Permanent as failure:
                self._finish(db, row, token, Delivery.failed, str(failure), tally)
            else:
                self._finish(db, row, token, Delivery.sent, None, tally)

    # ---- sending --------------------------------------------------------------------

    def _locale(
        self, db: Session, row: Notification, user: User | None, asked_in: str | None = None
    ) -> str:
        if user is not None and user.preferred_locale in self.settings.locales:
            return user.preferred_locale
        # A message someone asked for themselves (a password reset) carries the language of
        # the page they asked on: the best guess for a person who chose none.
        if asked_in in self.settings.locales:
            return asked_in
        cohort = db.get(Cohort, row.cohort_id) if row.cohort_id else None
        if cohort is not None and cohort.default_locale in self.settings.locales:
            return cohort.default_locale
        return self.settings.default_locale

    def _send(self, db: Session, row: Notification, context: dict) -> None:
        user = db.get(User, row.user_id) if row.user_id else None
        if row.user_id and (user is None or not user.active):
            raise Permanent("recipient inactive")
        locale = self._locale(db, row, user, context.get("asked_in_locale"))
        message = messages.render(row.kind, context, locale)
        if row.channel == EMAIL:
            self._send_email(row, user, message)
        elif row.channel == PUSH:
            self._send_push(db, row, user, message)
        else:
            raise Permanent(f"unknown channel {row.channel}"[:80])

    def _send_email(self, row: Notification, user: User | None, message) -> None:
        if self.mail is None:
            raise Permanent("no mail transport")
        to = user.email if user is not None else row.address
        if not to:
            raise Permanent("no address")
        sender = self.settings.alerts.mail_from
        email = mail.build(
            message, to=to, sender=sender, message_id=mail.message_id(row.id, row.dedup_key, sender)
        )
        message_leaving.send(
            self.app, channel=EMAIL, parts=[message.subject, message.text, message.html]
        )
        self.mail.send(email)

    def _send_push(self, db: Session, row: Notification, user: User | None, message) -> None:
        if user is None:
            raise Permanent("push needs a person")
        found = devices.of(db, user)
        if not found:
            raise Permanent("no device")
        tag = kinds.tag(row)
        data = push.payload(message, tag)
        message_leaving.send(self.app, channel=PUSH, parts=[data])
        delivered, transient = 0, None
        for device, subscription in found:
            try:
                push.send(subscription, data, self.settings, urgent=kinds.urgent(row), topic=tag)
            except Gone:
                # The browser dropped the subscription: so do we, for good.
                db.delete(device)
            except Transient as failure:
                transient = failure
            except Permanent:
                db.delete(device)
            else:
                device.last_sent_at = utcnow()
                db.add(device)
                delivered += 1
        if delivered:
            return
        if transient is not None:
            raise transient
        raise Gone("push gone")

    # ---- outcomes ---------------------------------------------------------------------

    def _still_ours(self, db: Session, row: Notification, token: str) -> bool:
        # Locked on PostgreSQL, so no other worker can take the row between this check and
        # the commit of the outcome.
        db.refresh(row, with_for_update=True)
        return row.claim_token == token and row.status == Delivery.sending

    def _retry(self, db: Session, row: Notification, token: str, reason: str, tally) -> None:
        if not self._still_ours(db, row, token):
            tally.lost_claims += 1
            db.rollback()
            return
        row.status = Delivery.pending
        row.claim_token = None
        row.claimed_until = None
        row.last_error = reason[:80]
        row.due_at = utcnow() + backoff(row.attempts)
        db.add(row)
        self._audit(db, row, "notification_retry_later")
        db.commit()
        tally.retried += 1

    def _finish(
        self, db: Session, row: Notification, token: str, status: str, reason, tally
    ) -> None:
        if not self._still_ours(db, row, token):
            tally.lost_claims += 1
            db.rollback()
            return
        row.status = status
        row.claim_token = None
        row.claimed_until = None
        row.last_error = reason[:80] if reason else None
        row.finished_at = utcnow()
        db.add(row)
        action = {
            Delivery.sent: "notification_sent",
            Delivery.failed: "notification_not_delivered",
            Delivery.cancelled: "notification_cancelled",
        }[status]
        self._audit(db, row, action)
        if row.kind == alerts.FLAG_ESCALATION and status != Delivery.cancelled:
            alerts.escalation_done(db, row, json.loads(row.context or "{}").get("round", 1))
        db.commit()
        tally.ids.append(row.id)
        setattr(tally, status, getattr(tally, status) + 1)
        log.info("notification %s %s %s: %s", row.id, row.channel, row.kind, status)

    def _audit(self, db: Session, row: Notification, action: str) -> None:
        audit.record(
            db,
            None,
            action,
            subject=row.user_id,
            cohort_id=row.cohort_id,
            # channel and kind: who it was for, how, what sort of message; never its words.
            object_type=f"{row.channel}:{row.kind}"[:40],
            object_id=row.id,
        )


def run_once(app: Flask, now: datetime | None = None, mail_transport=None) -> Tally:
    """Claim what is due and deliver it; one pass of the worker."""
    factory = app.extensions["tend_session_factory"]
    settings = app.config["TEND"]
    tally = Tally()
    with factory() as db:
        claimed = claim(db, now or utcnow(), settings.alerts.lease_seconds)
    if not claimed:
        return tally
    deliverer = Deliverer(app, factory, mail_transport)
    try:
        for notification_id, token in claimed:
            deliverer.deliver(notification_id, token, tally)
    finally:
        deliverer.close()
    return tally
