"""The second step of signing in: a passkey, an authenticator code or a recovery code."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import db
from app.extensions import limiter
from app.second_factor import bp, passkeys, pending, recovery, totp
from app.second_factor.forms import CodeForm, RecoveryForm
from app.second_factor.ratelimits import attempt_limit, person_key
from app.second_factor.state import record_change, second_factor_state


def _finish(user, shared_device: bool, kind: str):
    from app.auth.views import finish_sign_in

    return finish_sign_in(user, shared_device=shared_device, second_factor=kind)


def _page(user, code_form=None, recovery_form=None, status: int = 200):
    return (
        render_template(
            "second_factor/challenge.html",
            state=second_factor_state(db.session(), user),
            code_form=code_form or CodeForm(),
            recovery_form=recovery_form or RecoveryForm(),
            open_recovery=recovery_form is not None,
        ),
        status,
    )


def _expired():
    flash(_("That sign-in took a while, so it was closed. Please sign in again."), "info")
    return redirect(url_for("auth.sign_in"), code=303 if request.method == "POST" else 302)


@bp.route("/signin/second-factor", methods=["GET"])
def challenge():
    """Ask for the second factor after a right password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    found = pending.current(db.session())
    if found is None:
        return _expired()
    return _page(found[0])


@bp.route("/signin/second-factor/code", methods=["POST"])
@limiter.limit(attempt_limit, key_func=person_key)
def verify_code():
    """Finish signing in with the code of an authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"), code=303)
    found = pending.current(db.session())
    if found is None:
        return _expired()
    user, shared_device = found
    form = CodeForm()
    if form.validate_on_submit():
        factor = totp.confirmed(db.session(), user)
        if factor is not None and totp.accept_code(db.session(), factor, form.code.data):
            db.session().commit()
            return _finish(user, shared_device, "totp")
        form.code.errors.append(
            _(
                "That code did not work. Codes change every 30 seconds: please try the one "
                "your app shows now."
            )
        )
    return _page(user, code_form=form, status=422)


@bp.route("/signin/second-factor/recovery", methods=["POST"])
@limiter.limit(attempt_limit, key_func=person_key)
def verify_recovery():
    """Finish signing in with one of the recovery codes; it never works again."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"), code=303)
    found = pending.current(db.session())
    if found is None:
        return _expired()
    user, shared_device = found
    form = RecoveryForm()
    if form.validate_on_submit():
        if recovery.use_code(db.session(), user, form.recovery_code.data):
            record_change(db.session(), user, user, "recovery_code_used", kind="recovery")
            db.session().commit()
            response = _finish(user, shared_device, "recovery")
            left = second_factor_state(db.session(), user).recovery_codes_left
            flash(
                ngettext(
                    "You used a recovery code. %(num)d is left: you can make new ones "
                    "from your account page.",
                    "You used a recovery code. %(num)d are left: you can make new ones "
                    "from your account page.",
                    left,
                ),
                "info",
            )
            return response
        form.recovery_code.errors.append(
            _("That recovery code did not work. Each code works only once. Please check it.")
        )
    return _page(user, recovery_form=form, status=422)


@bp.route("/signin/second-factor/passkey/options", methods=["POST"])
@limiter.limit(attempt_limit, key_func=person_key)
def passkey_options():
    """What the browser needs to ask the person's passkey (JSON)."""
    found = pending.current(db.session())
    if current_user.is_authenticated or found is None:
        return jsonify(error=_("Please sign in again.")), 409
    return (
        passkeys.authentication_options(db.session(), found[0]),
        200,
        {"Content-Type": "application/json"},
    )


@bp.route("/signin/second-factor/passkey", methods=["POST"])
@limiter.limit(attempt_limit, key_func=person_key)
def verify_passkey():
    """Finish signing in with the passkey's signed answer (JSON)."""
    found = pending.current(db.session())
    if current_user.is_authenticated or found is None:
        return jsonify(error=_("Please sign in again.")), 409
    user, shared_device = found
    try:
        data = passkeys.parse_credential(request.get_data())
        passkeys.authenticate(db.session(), user, data["credential"])
    except passkeys.PasskeyRefused:
        db.session().rollback()
        return jsonify(
            error=_("That passkey did not work here. Please try again, or use another way.")
        ), 400
    db.session().commit()
    response = _finish(user, shared_device, "passkey")
    return jsonify(redirect=response.location)
