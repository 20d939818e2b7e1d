"""Health, help and language routes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from app import db
from app.auth import throttle
from app.core import bp
from app.core.services import crisis_lines
from app.i18n import normalise


@bp.route("/healthz")
def healthz():
    """Answer 200 when the database answers, 503 otherwise (for load balancers).

    A limiter store (Redis) that does not answer leaves everything but sign-in working, so it
    is reported on a second line (for monitoring) without taking the instance out of the
    pool; a healthy instance answers exactly "ok", as before."""
    if not db.database_answers():
        return Response("database unavailable", status=503, mimetype="text/plain")
    if not throttle.healthy():
        return Response("ok\nlimiter: degraded", mimetype="text/plain")
    return Response("ok", mimetype="text/plain")


@bp.route("/help")
def help_page():
    """Crisis lines and where to turn, open to everyone, signed in or not."""
    return render_template("core/help.html", lines=crisis_lines())


@bp.route("/privacy")
def privacy_notice():
    """What Tend keeps, where, for how long and who sees it: readable before enrolling."""
    settings = current_app.config["TEND"]
    return render_template(
        "core/privacy.html",
        retention_years=settings.retention_years,
        privacy_contact=settings.privacy_contact,
    )


def _safe_return_path(candidate: str | None) -> str:
    """Only a path on this site: the switcher must not become an open redirect."""
    if not candidate:
        return url_for("home.index")
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or candidate.startswith("//"):
        return url_for("home.index")
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/language", methods=["POST"])
def switch_language():
    """Remember the chosen language for this browser and, when signed in, for the person."""
    locale = normalise(request.form.get("locale"))
    if locale is None:
        locale = current_app.config["TEND"].default_locale
    session["locale"] = locale
    if current_user.is_authenticated and current_user.preferred_locale != locale:
        current_user.preferred_locale = locale
        db.session().add(current_user)
        db.session().commit()
    return redirect(_safe_return_path(request.form.get("next")), code=303)
