"""Setting up, listing and removing one's own second factors, and the recovery codes."""

from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import db
from app.auth.forms import ConfirmForm
from app.extensions import limiter
from app.models import Passkey
from app.second_factor import bp, passkeys, recovery, totp
from app.second_factor.forms import CodeForm
from app.second_factor.ratelimits import attempt_limit, person_key
from app.second_factor.state import record_change, second_factor_state


def must_set_up() -> bool:
    """Staff who need a second factor and signed in without one (see security.py)."""
    signin = g.get("signin")
    return (
        current_user.is_authenticated
        and current_user.is_staff
        and current_app.config["TEND"].staff_need_second_factor
        and signin is not None
        and signin.second_factor is None
    )


def _factor_added(kind: str, was_enrolled: bool) -> str:
    """Audit the new factor, count it for this sign-in, and say where to go next."""
    session_db = db.session()
    record_change(session_db, current_user, current_user, "second_factor_added", kind=kind)
    signin = g.get("signin")
    if signin is not None and signin.second_factor is None:
        # Proving a new factor now is as good as having proved one at sign-in.
        signin.second_factor = kind
        session_db.add(signin)
    session_db.commit()
    if not was_enrolled:
        return url_for("second_factor.recovery_codes")
    return url_for("second_factor.manage")


@bp.route("/second-factor/setup", methods=["GET"])
def setup():
    """Choose a second factor: a passkey on this device, or an authenticator app."""
    return render_template(
        "second_factor/setup.html",
        state=second_factor_state(db.session(), current_user),
        required=must_set_up(),
    )


@bp.route("/second-factor/setup/app", methods=["GET", "POST"])
@limiter.limit(attempt_limit, key_func=person_key, methods=["POST"])
def setup_app():
    """Scan the QR code (or type the key), then prove it with a first code."""
    session_db = db.session()
    if totp.confirmed(session_db, current_user) is not None:
        flash(_("Your authenticator app is already set up."), "info")
        return redirect(url_for("second_factor.manage"), code=303)
    factor = totp.pending_or_new(session_db, current_user)
    form = CodeForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            if totp.accept_code(session_db, factor, form.code.data):
                was_enrolled = second_factor_state(session_db, current_user).enrolled
                totp.confirm(session_db, factor)
                flash(_("Your authenticator app is set up."), "success")
                return redirect(_factor_added("totp", was_enrolled), code=303)
            form.code.errors.append(
                _(
                    "That code did not match. Please check that the app shows Tend, and "
                    "enter the code it shows now."
                )
            )
        status = 422
    uri = totp.provisioning_uri(factor, current_user)
    return render_template(
        "second_factor/setup_app.html",
        form=form,
        qr_svg=totp.qr_svg(uri, _("QR code to scan with your authenticator app")),
        secret=totp.grouped_secret(factor.secret),
        required=must_set_up(),
    ), status


@bp.route("/second-factor/setup/passkey/options", methods=["POST"])
def passkey_registration_options():
    """What the browser needs to make a new passkey for this account (JSON)."""
    options = passkeys.registration_options(db.session(), current_user)
    return options, 200, {"Content-Type": "application/json"}


@bp.route("/second-factor/setup/passkey", methods=["POST"])
@limiter.limit(attempt_limit, key_func=person_key)
def register_passkey():
    """Keep the new passkey's public key under the name the person gave it (JSON)."""
    session_db = db.session()
    try:
        data = passkeys.parse_credential(request.get_data())
        name = str(data.get("name") or "").strip()[: passkeys.NAME_MAX] or _("My passkey")
        was_enrolled = second_factor_state(session_db, current_user).enrolled
        passkeys.register(session_db, current_user, data["credential"], name)
    except passkeys.PasskeyRefused:
        session_db.rollback()
        return jsonify(
            error=_("The passkey could not be saved. Please try again, or use an app instead.")
        ), 400
    flash(_("Your passkey is saved."), "success")
    return jsonify(redirect=_factor_added("passkey", was_enrolled))


@bp.route("/account/second-factor", methods=["GET"])
def manage():
    """The person's second factors: passkeys by name, the app, the recovery codes left."""
    session_db = db.session()
    return render_template(
        "second_factor/manage.html",
        state=second_factor_state(session_db, current_user),
        passkey_list=passkeys.list_for(session_db, current_user),
        confirm_form=ConfirmForm(),
    )


def _refuse_last_factor():
    flash(
        _(
            "Team accounts always keep a second factor. Please add another one first, "
            "then remove this one."
        ),
        "error",
    )
    return redirect(url_for("second_factor.manage"), code=303)


def _after_removal(kind: str) -> None:
    session_db = db.session()
    record_change(session_db, current_user, current_user, "second_factor_removed", kind=kind)
    if not second_factor_state(session_db, current_user).enrolled:
        # No factor left (a participant's choice): the codes would open nothing.
        recovery.forget_codes(session_db, current_user)
    session_db.commit()


@bp.route("/account/second-factor/passkeys/<int:passkey_id>/remove", methods=["POST"])
def remove_passkey(passkey_id: int):
    """Remove one passkey; staff never remove their last factor."""
    session_db = db.session()
    passkey = session_db.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("second_factor.manage"), code=303)
    state = second_factor_state(session_db, current_user)
    if current_user.is_staff and len(state.kinds) == 1 and state.passkeys == 1:
        return _refuse_last_factor()
    session_db.delete(passkey)
    session_db.flush()
    _after_removal("passkey")
    flash(_("The passkey is removed."), "success")
    return redirect(url_for("second_factor.manage"), code=303)


@bp.route("/account/second-factor/app/remove", methods=["POST"])
def remove_app():
    """Remove the authenticator app; staff never remove their last factor."""
    session_db = db.session()
    factor = totp.confirmed(session_db, current_user)
    if factor is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("second_factor.manage"), code=303)
    if current_user.is_staff and second_factor_state(session_db, current_user).kinds == ("totp",):
        return _refuse_last_factor()
    session_db.delete(factor)
    session_db.flush()
    _after_removal("totp")
    flash(_("The authenticator app is removed."), "success")
    return redirect(url_for("second_factor.manage"), code=303)


@bp.route("/account/second-factor/recovery-codes", methods=["GET", "POST"])
def recovery_codes():
    """Make ten new recovery codes, shown this once; any earlier ones stop working."""
    session_db = db.session()
    state = second_factor_state(session_db, current_user)
    if not state.enrolled:
        return redirect(url_for("second_factor.setup"), code=303)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        codes = recovery.replace_codes(session_db, current_user)
        record_change(
            session_db, current_user, current_user, "recovery_codes_created", kind="recovery"
        )
        session_db.commit()
        return render_template("second_factor/recovery_codes_shown.html", codes=codes)
    return render_template("second_factor/recovery_codes.html", state=state, confirm_form=form)
