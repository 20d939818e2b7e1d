"""Deny-by-default sign-in, the server-side session loader, and headers on every response."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db
from app.access import PUBLIC_ENDPOINTS, participant_membership
from app.auth.policy import session_policy
from app.auth.services import load_session
from app.extensions import login_manager
from app.i18n import set_page_language
from app.models import Cohort, Role

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
}

PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "interest-cohort": "()",
    "browsing-topics": "()",
    "screen-wake-lock": "(self)",
}


def wants_partial() -> bool:
    """True for an htmx fragment request; boosted navigations and history restores get pages."""
    return bool(request.htmx) and not (request.htmx.boosted or request.htmx.history_restore_request)


def _load_user(token: str):
    loaded = load_session(db.session(), token, session_policy())
    if loaded is None:
        return None
    user, signin = loaded
    g.signin = signin
    return user


def _unauthorized() -> Response:
    target = url_for("auth.sign_in")
    if request.htmx:
        # A redirect answered to htmx would swap the sign-in page into a fragment.
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    if _wants_json():
        # The outbox and autosave follow redirects: a 303 to the sign-in page would end as a
        # 200 taken for "saved", and the words dropped. A 401 keeps them on the device.
        return jsonify(signed_in=False, signin_url=target), 401
    return redirect(target, code=303 if request.method == "POST" else 302)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json" and request.accept_mimetypes["application/json"] > 0


def _require_sign_in():
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return _unauthorized()
    return None


def _page_language() -> None:
    set_page_language(str(get_locale()))


def _participant_time_zone() -> None:
    """Participants read every date and time on their cohort's clock."""
    if request.endpoint == "static":
        return  # a stylesheet needs no sign-in lookup
    if current_user.is_authenticated and current_user.role == Role.participant:
        membership = participant_membership(db.session(), current_user)
        if membership is not None:
            # Held for the request: the session's identity map keeps objects only while they
            # are referenced, and most pages look the cohort up again.
            g.participant_cohort = db.session().get(Cohort, membership.cohort_id)
            g.timezone = g.participant_cohort.timezone


def _headers(response: Response) -> Response:
    response.vary.add("HX-Request")
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Only static files and the few public views that choose their own caching (the service
    # worker, the offline page, the manifest) escape no-store.
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_message = _l("Please sign in to continue.")
    app.before_request(_require_sign_in)
    app.before_request(_page_language)
    app.before_request(_participant_time_zone)
    app.after_request(_headers)
