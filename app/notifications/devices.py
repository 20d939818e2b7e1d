"""Push devices: the Web Push subscriptions people turned on, one per browser.

A device is known by a random cookie set when notifications are turned on there, so signing
out on that device drops its subscription whatever sign-in session it began in; signing out
everywhere drops them all. A subscription the push service answers 404 or 410 for is dropped
by the delivery loop.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from urllib.parse import urlsplit

from sqlmodel import Session, delete, select

from app import audit
from app.crypto import token_hash
from app.models import PushDevice, User

COOKIE, PRODUCTION_COOKIE = "tend-device", "__Host-tend-device"
COOKIE_DAYS = 400  # the longest browsers keep a cookie


class BadSubscription(ValueError):
    """What the browser sent is not a Web Push subscription Tend can use."""


def cookie_name(production: bool) -> str:
    return PRODUCTION_COOKIE if production else COOKIE


def new_device_token() -> str:
    return secrets.token_urlsafe(32)


def _key_bytes(value, name: str, length: int) -> None:
    if not isinstance(value, str) or len(value) > 200:
        raise BadSubscription(name)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise BadSubscription(name) from None
    if len(raw) != length:
        raise BadSubscription(name)


def parse(raw: dict, *, allow_http: bool) -> dict:
    """The subscription as PushSubscription.toJSON() gives it, checked."""
    if not isinstance(raw, dict):
        raise BadSubscription("not an object")
    endpoint = raw.get("endpoint")
    keys = raw.get("keys") or {}
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        raise BadSubscription("endpoint")
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise BadSubscription("endpoint")
    _key_bytes(keys.get("p256dh"), "p256dh", 65)
    _key_bytes(keys.get("auth"), "auth", 16)
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


def label_for(user_agent: str) -> str:
    """A plain name for the device ("Firefox on Android"), from its User-Agent."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("SamsungBrowser/", "Samsung Internet"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in agent
        ),
        "Browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "Mac"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in agent
        ),
        None,
    )
    return f"{browser} · {system}" if system else browser


def save(
    db: Session, user: User, device_token: str, subscription: dict, user_agent: str
) -> PushDevice:
    """Keep this browser's subscription for the person (replacing one for the same
    endpoint, which a browser keeps across sign-ins)."""
    endpoint_hash = token_hash(subscription["endpoint"])
    device = db.exec(select(PushDevice).where(PushDevice.endpoint_hash == endpoint_hash)).first()
    if device is None:
        device = PushDevice(endpoint_hash=endpoint_hash, user_id=user.id, device_hash="")
    device.user_id = user.id
    device.device_hash = token_hash(device_token)
    device.subscription = json.dumps(subscription)
    device.label = label_for(user_agent)[:80]
    db.add(device)
    db.flush()
    audit.record(
        db, user, "push_device_added", subject=user, object_type="push_device", object_id=device.id
    )
    db.commit()
    return device


def listed(db: Session, user: User) -> list[PushDevice]:
    query = select(PushDevice).where(PushDevice.user_id == user.id).order_by(PushDevice.created_at)
    return list(db.exec(query))


def of(db: Session, user: User) -> list[tuple[PushDevice, dict]]:
    """The person's devices with their subscriptions, for sending."""
    return [(device, json.loads(device.subscription)) for device in listed(db, user)]


def is_this_device(device: PushDevice, device_token: str | None) -> bool:
    return bool(device_token) and device.device_hash == token_hash(device_token)


def remove(db: Session, user: User, device_id: int) -> bool:
    device = db.get(PushDevice, device_id)
    if device is None or device.user_id != user.id:
        return False
    db.delete(device)
    audit.record(
        db,
        user,
        "push_device_removed",
        subject=user,
        object_type="push_device",
        object_id=device_id,
    )
    db.commit()
    return True


def forget_this_device(db: Session, user_id: int, device_token: str | None) -> None:
    """Sign-out on a device: its subscription goes (the person's other devices stay)."""
    if not device_token:
        return
    db.exec(
        delete(PushDevice).where(
            PushDevice.user_id == user_id, PushDevice.device_hash == token_hash(device_token)
        )
    )
    db.commit()


def forget_all(db: Session, user: User) -> None:
    """Sign-out everywhere: no device of theirs is woken any more. In the caller's
    transaction."""
    db.exec(delete(PushDevice).where(PushDevice.user_id == user.id))
