"""Error pages in the app's layout and language; never a stack trace."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from flask import Flask, g, render_template, request
from flask_babel import format_timedelta, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    ServiceUnavailable,
)

from app import db, security_events
from app.auth.throttle import LimiterUnavailable
from app.extensions import limiter, login_manager
from app.i18n import set_page_language

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Something in that request did not make sense"),
        _l("Please go back and try again. Nothing was changed."),
    ),
    403: (
        _l("This page is not open to you"),
        _l(
            "Your account does not have access to this page. If you think it should, "
            "please ask your facilitator."
        ),
    ),
    404: (
        _l("We could not find that page"),
        _l("It may have moved, or the link may be incomplete."),
    ),
    405: (
        _l("That action is not available here"),
        _l("Please go back and use the buttons on the page."),
    ),
    413: (
        _l("That was more than we can take in at once"),
        _l("What you sent is too large. Please shorten it and try again."),
    ),
    429: (_l("Let's pause for a moment"), _l("There were too many attempts in a short time.")),
    500: (
        _l("Something went wrong on our side"),
        _l("It is not your fault. Please try again in a little while."),
    ),
    "limiter": (
        _l("Please try again in a minute"),
        _l(
            "Signing in is paused for a moment while Tend checks a part of itself that keeps "
            "accounts safe. Nothing you did caused this. Please try again in a minute."
        ),
    ),
    503: (
        _l("Tend is resting for a moment"),
        _l("We cannot reach our database right now. Please try again shortly."),
    ),
}


def _retry_hint() -> str | None:
    limit = limiter.current_limit
    if limit is None:
        return None
    wait = datetime.fromtimestamp(limit.reset_at, UTC) - datetime.now(UTC)
    return format_timedelta(max(wait.total_seconds(), 1), threshold=1.1, add_direction=True)


def _let_go_of_the_failed_transaction() -> None:
    """A write that failed mid-flush leaves the request's session needing a rollback, and its
    objects (the sign-in the layout reads) expired: reading one would raise again, a 500."""
    g.pop("signin", None)
    session = g.get("db_session")
    if session is not None:
        with contextlib.suppress(SQLAlchemyError):
            session.rollback()


def _refusal_event(kind: str) -> None:
    """A refused request changes nothing: what its view had pending is rolled back, and the
    event is written on its own."""
    try:
        db.session().rollback()
        user = current_user if current_user.is_authenticated else None
        security_events.record(None, kind, actor=user.id if user else None)
    except Exception:
        log.exception("security event %s could not be recorded", kind)


def render_error(code: int, message=None, *, title=None):
    if code == ServiceUnavailable.code:
        # The layout asks who is signed in; with the database down that would fail again.
        g._login_user = login_manager.anonymous_user()
        _let_go_of_the_failed_transaction()
    if "lang_tag" not in g:
        # Refused before the page language was set (CSRF, body too large, database down
        # while loading the person): <html lang dir> still needs it.
        set_page_language(str(get_locale()))
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    title = title or default_title
    retry_in = _retry_hint() if code == 429 else None
    response = render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=message or default_message,
        retry_in=retry_in,
    )
    headers = {}
    if request.headers.get("HX-Request"):
        # Show the error as the page, not inside whichever fragment asked.
        headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML"}
    return response, code, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(LimiterUnavailable)
    @app.errorhandler(StorageError)
    def limiter_unavailable(_error):
        # Guesses must not go unchecked while the store of failed attempts is away; a clear
        # page and Retry-After instead of the generic 500. The store recovers by itself.
        log.error("sign-in limiter storage unavailable")
        _refusal_event(security_events.SIGN_IN_UNAVAILABLE)
        title, message = MESSAGES["limiter"]
        response, code, headers = render_error(ServiceUnavailable.code, message, title=title)
        return response, code, {**headers, "Retry-After": "60"}

    @app.errorhandler(CSRFError)
    def csrf_refused(_error):
        _refusal_event(security_events.CSRF_REFUSED)
        return render_error(
            400,
            _l(
                "This form had expired or was sent from somewhere else, so nothing was saved. "
                "Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == Forbidden.code:
            _refusal_event(security_events.FORBIDDEN)
        body, code, headers = render_error(error.code or 500)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110: a 405 names the methods the address accepts.
            headers = {**headers, "Allow": ", ".join(sorted(error.valid_methods))}
        return body, code, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_down(error):
        log.error("database unavailable: %s", type(error).__name__)
        return render_error(ServiceUnavailable.code)

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error on %s", request.endpoint)
        return render_error(InternalServerError.code)
