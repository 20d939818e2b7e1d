"""Half-way through signing in: the password was right, the second factor is still to come.

Nothing but a note in the signed session cookie: no sign-in session exists yet, so the person
is still signed out for every page except the second-factor step itself.
"""

from __future__ import annotations

import time

from flask import session
from sqlmodel import Session

from app.models import User

_KEY = "second_factor_pending"
# Long enough to find a phone or a security key, short enough that a left-open page expires.
LIFETIME_SECONDS = 10 * 60


def begin(user: User, *, shared_device: bool) -> None:
    locale = session.get("locale")
    session.clear()  # nothing from before the password carries over
    if locale:
        session["locale"] = locale
    session[_KEY] = {"user_id": user.id, "at": int(time.time()), "shared": bool(shared_device)}


def current(db: Session) -> tuple[User, bool] | None:
    """(the person, shared device) while the step is open, else None."""
    note = session.get(_KEY)
    if not isinstance(note, dict):
        return None
    if time.time() - note.get("at", 0) > LIFETIME_SECONDS:
        session.pop(_KEY, None)
        return None
    user = db.get(User, note.get("user_id"))
    if user is None or not user.active:
        return None
    return user, bool(note.get("shared"))


def is_open() -> bool:
    note = session.get(_KEY)
    return isinstance(note, dict) and time.time() - note.get("at", 0) <= LIFETIME_SECONDS


def user_id() -> int | None:
    note = session.get(_KEY)
    return note.get("user_id") if isinstance(note, dict) else None
