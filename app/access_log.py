"""Access-log lines without the secrets some addresses carry.

A calendar feed is read by calendar apps that cannot sign in, so its address holds the secret
(`/calendar/<token>.ics`); an access log keeping it would hand the feed to anyone who reads the
logs. Both servers' request lines pass through `redact`: gunicorn's (the logger class named in
gunicorn.conf.py) and the development server's (a filter on werkzeug's logger).
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# Each secret-bearing path: what comes before the secret, the secret, what follows it.
SECRET_PATHS = (re.compile(r"(/calendar/)[^/?#\s\"]+(\.ics)"),)


def redact(text: str) -> str:
    for pattern in SECRET_PATHS:
        text = pattern.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return text


class RedactingLogger(Logger):
    """gunicorn's logger, with every text atom of an access line redacted: the path, the
    request line, the referrer and any header or environ value the format may name."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


class RedactingFilter(logging.Filter):
    """For werkzeug's request lines (`"GET /path HTTP/1.1" 200 -`): the line is an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_development_filter() -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactingFilter())
