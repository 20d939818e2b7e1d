"""Deny-by-default sign-in, the server-side session loader, and headers on every response."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from app import db
from app.access import PUBLIC_ENDPOINTS, participant_membership
from app.auth.policy import session_policy
from app.auth.services import end_session, load_session
from app.csp import REPORT_GROUP
from app.extensions import login_manager
from app.i18n import set_page_language
from app.models import Cohort, Role
from app.second_factor import CHALLENGE_ENDPOINTS, SETUP_ENDPOINTS, pending
from app.second_factor.settings import must_set_up
from app.second_factor.state import has_second_factor

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


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json" and request.accept_mimetypes["application/json"] > 0


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


# Half-way through signing in (password right, second factor to come) a person may open the
# second-factor step and sign out, and nothing else: they are still signed out.
HALF_SIGNED_IN_ENDPOINTS = CHALLENGE_ENDPOINTS | {"auth.sign_out"}
# Staff who must set up a factor and have none yet may open the guided setup and sign out.
SETUP_ONLY_ENDPOINTS = SETUP_ENDPOINTS | {"auth.sign_out"}


def _require_sign_in():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if endpoint in HALF_SIGNED_IN_ENDPOINTS and pending.is_open():
            return None
        return _unauthorized()
    if must_set_up():
        return _second_factor_first(endpoint)
    return None


def _second_factor_first(endpoint: str):
    """A staff sign-in without a second factor, where one is required, reaches only setup."""
    if has_second_factor(db.session(), current_user):
        # A session from before the requirement (or a role change): it must sign in again,
        # this time through the second factor the person already has.
        end_session(db.session(), current_user.get_id())
        logout_user()
        session.clear()
        return _unauthorized()
    if endpoint in SETUP_ONLY_ENDPOINTS:
        return None
    target = url_for("second_factor.setup")
    if request.htmx:
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303 if request.method == "POST" else 302)


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
    # Where the policy's report-to group sends violations (app/csp/reports.py).
    response.headers["Reporting-Endpoints"] = f'{REPORT_GROUP}="/csp-report"'
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
    app.context_processor(_second_factor_context)


def _second_factor_context() -> dict:
    """The "second factor not set" banner for staff, and a bare shell while setup is due."""
    signin = g.get("signin")
    missing = bool(
        signin is not None
        and signin.second_factor is None
        and current_user.is_authenticated
        and current_user.is_staff
    )
    return {"second_factor_missing": missing, "second_factor_setup_only": missing and must_set_up()}
