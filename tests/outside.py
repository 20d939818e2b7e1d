"""The outside world for notification tests, on 127.0.0.1 only: a real SMTP server
(aiosmtpd) that keeps what it receives, and a Web Push service that checks the VAPID
signature and decrypts every payload as a browser would (RFC 8291, aes128gcm)."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

PORTS = range(5140, 5160)


def free_port() -> int:
    """A free port in this suite's range (servers it starts listen on loopback only)."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5140-5159")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---- SMTP --------------------------------------------------------------------------------


class _Keeper:
    def __init__(self, inbox):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):
        self.inbox.received(envelope)
        return "250 OK"


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    # Set to hold the server's answer to DATA until released (a worker killed mid-send).
    hold: threading.Event | None = None
    started_data: threading.Event = field(default_factory=threading.Event)
    # With hold: a message held while its sender died was never acknowledged; keep none.
    drop_held: bool = False

    def received(self, envelope) -> None:
        self.started_data.set()
        if self.hold is not None:
            self.hold.wait(30)
            if self.drop_held:
                return
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
        return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `tls_context` offers STARTTLS, `implicit_tls` is smtps."""

    def __init__(self, *, tls_context=None, implicit_tls=None, auth=None):
        self.inbox = Inbox()
        self.port = free_port()
        kwargs = {}
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if implicit_tls is not None:
            kwargs.update(ssl_context=implicit_tls, server_hostname="localhost")
        if auth is not None:
            kwargs.update(authenticator=auth, auth_require_tls=False)
        self.controller = Controller(
            _Keeper(self.inbox), hostname="127.0.0.1", port=self.port, **kwargs
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.inbox.hold is not None:
            self.inbox.hold.set()
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


# ---- Web Push ----------------------------------------------------------------------------


class Browser:
    """The receiving side of one push subscription: its keys, as a browser makes them."""

    def __init__(self, endpoint: str):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.endpoint = endpoint

    @property
    def subscription(self) -> dict:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


def verify_vapid(authorization: str, audience: str, public_key_b64: str) -> dict:
    """Check a `vapid t=<jwt>, k=<key>` header (RFC 8292): ES256 signature, audience, key."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    params = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert params["k"] == public_key_b64
    header_b64, claims_b64, signature_b64 = params["t"].split(".")
    raw_signature = unb64url(signature_b64)
    signature = encode_dss_signature(
        int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big")
    )
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(params["k"]))
    key.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == audience
    assert claims["exp"] > time.time()
    return claims


@dataclass
class Delivered:
    path: str
    headers: dict
    payload: dict
    claims: dict


class PushService:
    """A push service on 127.0.0.1: each path is one subscription. It verifies VAPID and
    decrypts the payload with that subscription's keys; `answers` sets a status per path."""

    def __init__(self, vapid_public_key: str):
        self.port = free_port()
        self.vapid_public_key = vapid_public_key
        self.browsers: dict[str, Browser] = {}
        self.answers: dict[str, int] = {}
        self.delivered: list[Delivered] = []
        self.requests: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.requests.append(self.path)
                status = service.answers.get(self.path, 201)
                if status == 201:
                    browser = service.browsers[self.path]
                    claims = verify_vapid(
                        self.headers["Authorization"],
                        f"http://127.0.0.1:{service.port}",
                        service.vapid_public_key,
                    )
                    assert self.headers["Content-Encoding"] == "aes128gcm"
                    assert self.headers["TTL"]
                    service.delivered.append(
                        Delivered(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            browser.decrypt(body),
                            claims,
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def browser(self, name: str) -> Browser:
        path = f"/push/{name}"
        self.browsers[path] = Browser(f"http://127.0.0.1:{self.port}{path}")
        return self.browsers[path]

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
