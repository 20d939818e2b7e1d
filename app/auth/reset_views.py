"""Routes for a forgotten password: asking for a link, and choosing a new password with it."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import db, security_events
from app.auth import bp, resets
from app.auth.forms import PASSWORD_MESSAGES, ForgotPasswordForm, ResetPasswordForm
from app.auth.passwords import PasswordProblem
from app.auth.ratelimits import signin_limits
from app.extensions import limiter

# The token leaves the address bar at once: held in the (signed) session cookie, it is not
# in the browser's history, nor in any later request line.
SESSION_KEY = "reset_token"
# Asking for a link answers no sooner than this, whether or not the email has an account: the
# work differs (a known account gets a link and an email queued), the time it takes must not.
ANSWER_FLOOR_SECONDS = 0.25


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: signin_limits().per_ip, methods=["POST"])
def forgot_password():
    """Ask for a reset link by email; the same answer whether or not the account exists."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.perf_counter()
        resets.request_by_email(db.session(), form.email.data)
        page = render_template("auth/reset_sent.html")
        time.sleep(max(ANSWER_FLOOR_SECONDS - (time.perf_counter() - started), 0))
        return page, 200
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status


def _open_reset():
    token = session.get(SESSION_KEY)
    if not token:
        return None
    try:
        return resets.find_open(db.session(), token)
    except resets.ResetInvalid:
        return None


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    """Choose a new password with a one-time link."""
    if request.method == "GET" and "token" in request.args:
        session[SESSION_KEY] = request.args["token"][:200]
        return redirect(url_for("auth.reset_password"), code=303)
    if _open_reset() is None:
        if request.method == "POST" or SESSION_KEY in session:
            security_events.record(None, security_events.RESET_REFUSED)
        session.pop(SESSION_KEY, None)
        return render_template("auth/reset_invalid.html"), 200 if request.method == "GET" else 422
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            resets.complete(db.session(), session[SESSION_KEY], form.new_password.data)
        except resets.ResetInvalid:
            session.pop(SESSION_KEY, None)
            return render_template("auth/reset_invalid.html"), 422
        except PasswordProblem as problem:
            form.new_password.errors.append(str(PASSWORD_MESSAGES[problem.reason]))
        else:
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_("Your new password is set. Please sign in with it."), "success")
            return redirect(url_for("auth.sign_in"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form), status
