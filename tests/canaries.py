"""Nothing clinical leaves the app: every message the suite sends is scanned for canaries.

Every email and push payload the delivery loop hands to a transport passes through the
`message_leaving` signal; this plugin keeps them all, with every log line of the
notifications logger, and at the end of the run fails if any holds a canary: a word a test
typed into a journal, an answer, a name of a participant, an instrument's name.
Tests add their own with `canaries.add(...)`.
"""

from __future__ import annotations

import logging

import pytest

from app.notifications.delivery import message_leaving

# Always canaries: instrument names and words of the safety loop, in both languages.
ALWAYS = {
    "PHQ-9",
    "PHQ9",
    "GAD-7",
    "PCL-5",
    "B-IPF",
    "item 9",
    "self-harm",
    "suicid",
    "automutilation",
    "score",
}
_typed: set[str] = set()
sent: list[tuple[str, str]] = []


def add(*words: str) -> None:
    """Register strings a test typed (or a participant's name) as canaries."""
    _typed.update(w for w in words if w)


def findings(texts=None) -> list[tuple[str, str]]:
    """(canary, where) for every canary found in what was sent so far."""
    words = {w.lower() for w in ALWAYS | _typed}
    return [
        (word, where)
        for where, text in (texts if texts is not None else sent)
        for word in words
        if word in text.lower()
    ]


class _LogKeeper(logging.Handler):
    def emit(self, record):
        sent.append(("log", self.format(record)))


def _keep(_app, channel, parts, **_extra):
    for part in parts:
        sent.append((channel, part))


@pytest.fixture(scope="session", autouse=True)
def _scan_every_message_sent():
    message_leaving.connect(_keep)
    handler = _LogKeeper()
    logger = logging.getLogger("tend.notifications")
    level = logger.level
    # Every line the worker would log in production (INFO and up) is scanned.
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    logger.setLevel(level)
    message_leaving.disconnect(_keep)
    found = findings()
    assert not found, f"clinical detail left the app in a message: {found[:5]}"
