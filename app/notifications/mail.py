"""Email: SMTP from SMTP_URL (smtps:// for TLS from the start, STARTTLS whenever a smtp://
server offers it), or in development without it, the console and the development mailbox.

A message's Message-ID comes from its outbox row, so a message sent again after a crash
(at least once) carries the same id, and mail systems can tell it is the same message.
"""

from __future__ import annotations

import contextlib
import logging
import mailbox
import smtplib
import socket
import ssl
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate
from hashlib import sha256
from pathlib import Path
from urllib.parse import unquote, urlsplit

from app.notifications.errors import Permanent, Transient
from app.notifications.messages import Message

log = logging.getLogger("tend.notifications")
TIMEOUT_SECONDS = 20


def build(message: Message, *, to: str, sender: str, message_id: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = to
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id
    # Mail about a person's care is never to be answered by a vacation responder.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    # After the parts exist: making the message multipart moves Content-* headers into them.
    email["Content-Language"] = message.locale.replace("_", "-")
    return email


def message_id(notification_id: int, dedup_key: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    digest = sha256(dedup_key.encode()).hexdigest()[:16]
    return f"<tend.{notification_id}.{digest}@{domain}>"


class SmtpTransport:
    """One connection per batch of messages; credentials from the URL, never logged."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
        if self.username:
            connection.login(self.username, self.password or "")
        return connection

    def send(self, email: EmailMessage) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.send_message(email)
        except smtplib.SMTPRecipientsRefused as refused:
            self.close()
            codes = [code for code, _ in refused.recipients.values()]
            raise _by_code(codes[0] if codes else 550) from None
        except smtplib.SMTPResponseException as failure:
            self.close()
            raise _by_code(failure.smtp_code) from None
        except smtplib.SMTPServerDisconnected:
            self.close()
            raise Transient("smtp disconnected") from None
        except (OSError, smtplib.SMTPException) as failure:
            self.close()
            name = "timeout" if isinstance(failure, socket.timeout) else type(failure).__name__
            raise Transient(f"smtp {name}"[:80]) from None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.quit()
            self._connection = None


def _by_code(code: int) -> Exception:
    # 5xx is a refusal that sending again will not change; 4xx and the rest may pass later.
    if 500 <= code < 600:
        return Permanent(f"smtp {code}")
    return Transient(f"smtp {code}")


class DevMailbox:
    """Development without SMTP_URL: the message goes to the console and to a maildir under
    instance/, which the development mail page lists."""

    def __init__(self, path: str, stream=None):
        self.path = Path(path)
        self.stream = stream

    def send(self, email: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.path, create=True).add(email)
        text = email.get_body(("plain",))
        out = self.stream or sys.stdout
        print(
            f"--- mail to {email['To']}: {email['Subject']}\n"
            f"{text.get_content() if text else ''}---",
            file=out,
            flush=True,
        )

    def close(self) -> None:
        pass


def transport(settings) -> SmtpTransport | DevMailbox | None:
    """The way mail leaves this deployment, or None when it cannot (production without
    SMTP_URL, which start-up allows only with ALERTS=off)."""
    if settings.alerts.smtp_url:
        return SmtpTransport(settings.alerts.smtp_url)
    if not settings.production:
        return DevMailbox(settings.alerts.dev_mailbox)
    return None


def dev_messages(path: str, limit: int = 50) -> list[tuple[str, EmailMessage]]:
    """The development mailbox, newest first."""
    folder = Path(path)
    if not folder.exists():
        return []
    box = mailbox.Maildir(folder, create=False)
    dated = sorted(((box.get_message(key).get_date(), key) for key in box.iterkeys()), reverse=True)
    return [
        (key, message_from_bytes(box.get_bytes(key), policy=policy.default))
        for _, key in dated[:limit]
    ]
