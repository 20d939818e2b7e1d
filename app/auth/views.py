"""Routes for enrolment, sign-in, sign-out and the account page."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app import db, security_events
from app.auth import bp, lifecycle, services, throttle
from app.auth.forms import (
    PASSWORD_MESSAGES,
    ChangePasswordForm,
    CloseAccountForm,
    ConfirmForm,
    EnrolForm,
    SignInForm,
)
from app.auth.passwords import PasswordProblem, verify_password
from app.auth.policy import session_policy
from app.auth.ratelimits import signin_limits
from app.extensions import csrf, limiter
from app.models import Role
from app.second_factor import pending
from app.second_factor.state import has_second_factor, second_factor_state


def _begin_session(user, *, shared_device: bool = False, second_factor: str | None = None) -> None:
    # A fresh Flask session on sign-in: nothing from before (e.g. a planted value) carries over.
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    services.start_session(
        db.session(),
        user,
        session_policy(),
        shared_device=shared_device,
        second_factor=second_factor,
    )
    login_user(user)


def finish_sign_in(user, *, shared_device: bool, second_factor: str | None):
    """Start the session and send the person where a sign-in leads."""
    _begin_session(user, shared_device=shared_device, second_factor=second_factor)
    if consents_waiting(user):
        # A new version of a consent asks again at the next sign-in.
        return redirect(url_for("sessions.consents"), code=303)
    return redirect(url_for("home.index"), code=303)


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    """Sign in with email and password; only failures count toward a wait."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data
        verdict = throttle.check(email)
        if not verdict.allowed:
            security_events.record(None, security_events.SIGN_IN_REFUSED, account=email)
            return _waiting_page(verdict.wait_seconds)
        user = services.authenticate(db.session(), email, form.password.data)
        if user is not None:
            throttle.succeeded(email)
            if has_second_factor(db.session(), user):
                # The password alone opens nothing: the second factor comes first.
                pending.begin(user, shared_device=form.shared_device.data)
                return redirect(url_for("second_factor.challenge"), code=303)
            return finish_sign_in(user, shared_device=form.shared_device.data, second_factor=None)
        _record_failure(email)
        # One message for an unknown email and a wrong password: no account oracle.
        form.password.errors.append(_("That email and password do not match. Please try again."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form), status


def _record_failure(email: str) -> None:
    found = services.find_account(db.session(), email)
    who = {"subject": found} if found is not None else {"account": email}
    security_events.record(None, security_events.SIGN_IN_FAILED, **who)
    verdict = throttle.failed(email)
    if not verdict.allowed:
        security_events.record(None, security_events.SIGN_IN_LOCKED, **who)


def _waiting_page(seconds: int):
    response = render_template(
        "errors/error.html",
        code=429,
        title=_("Let's pause for a moment"),
        message=_(
            "There were several sign-in attempts that did not match, so Tend waits a little "
            "before the next one. This protects your account."
        ),
        retry_in=format_timedelta(seconds, threshold=1.1, add_direction=True),
    )
    return response, 429, {"Retry-After": str(seconds)}


@bp.route("/enrol", methods=["GET", "POST"])
@limiter.limit(lambda: signin_limits().per_ip, methods=["POST"])
def enrol():
    """Create an account with an invite code from the program team."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            user = services.enrol(
                db.session(),
                code=form.code.data,
                display_name=form.display_name.data,
                email=form.email.data,
                password=form.password.data,
            )
        except services.InviteInvalid:
            form.code.errors.append(
                _(
                    "That invite code is not valid. It may have been used already or expired. "
                    "Please check it, or ask your facilitator for a new one."
                )
            )
        except services.EmailTaken:
            form.email.errors.append(
                _("An account with this email already exists. You can sign in instead.")
            )
        except PasswordProblem as problem:
            form.password.errors.append(str(PASSWORD_MESSAGES[problem.reason]))
        else:
            _begin_session(user)
            flash(_("Welcome to Tend, %(name)s.", name=user.display_name), "success")
            return redirect(url_for("home.index"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/enrol.html", form=form), status


@bp.route("/signout", methods=["POST"])
def sign_out():
    """End this device's session for real, not only the cookie."""
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.end_session(db.session(), current_user.get_id())
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"), code=303)


@bp.route("/quick-exit", methods=["POST"])
@csrf.exempt  # checked below: a token, or the browser's word that the page is ours
def quick_exit():
    """Quick exit's beacon: end this device's session before the page leaves for another site,
    so Back or the history reopens only the sign-in page.

    sendBeacon cannot add headers, so the page's token comes in the form; a browser that sends
    fetch metadata (Sec-Fetch-Site) may leave it out only from one of this site's own pages.
    """
    if request.headers.get("Sec-Fetch-Site") != "same-origin":
        csrf.protect()
    if current_user.is_authenticated:
        services.end_session(db.session(), current_user.get_id())
    logout_user()
    session.clear()
    return Response(status=204)


@bp.route("/account", methods=["GET"])
def account():
    """The person's own settings: password, second factor, devices, language."""
    return _account_page(ChangePasswordForm()), 200


def _account_page(password_form):
    return render_template(
        "auth/account.html",
        password_form=password_form,
        confirm_form=ConfirmForm(),
        factor_state=second_factor_state(db.session(), current_user),
    )


@bp.route("/account/password", methods=["POST"])
def change_password():
    """Change the password; every other device is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session(),
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep_token=current_user.get_id(),
            )
        except services.WrongPassword:
            form.current_password.errors.append(_("That is not your current password."))
        except PasswordProblem as problem:
            form.new_password.errors.append(str(PASSWORD_MESSAGES[problem.reason]))
        else:
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"), code=303)
    return _account_page(form), 422


@bp.route("/account/signout-everywhere", methods=["POST"])
def sign_out_everywhere():
    """End every session of this account, this device included."""
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_all_sessions(db.session(), current_user)
        logout_user()
        session.clear()
        flash(_("You are signed out on all devices."), "info")
        return redirect(url_for("auth.sign_in"), code=303)
    return redirect(url_for("auth.account"), code=303)


def consents_waiting(user) -> bool:
    from app import content
    from app.access import participant_membership
    from app.models import Cohort
    from app.sessions.consent import statuses

    membership = participant_membership(db.session(), user)
    if membership is None:
        return False
    cohort = db.session().get(Cohort, membership.cohort_id)
    found = statuses(db.session(), content.library(), user, cohort, cohort.default_locale)
    return any(status.needs_answer for status in found)


@bp.app_context_processor
def _device_context():
    signin = g.get("signin")
    return {
        "shared_device": bool(signin and signin.shared_device),
        "quick_exit_url": current_app.config["TEND"].quick_exit_url,
    }


def _own_participation(user):
    from app.access import participant_membership

    return participant_membership(db.session(), user) if user.role == Role.participant else None


@bp.route("/account/close", methods=["GET", "POST"])
def close_account():
    """A participant closes their own account: keep or delete their data, after confirming."""
    membership = _own_participation(current_user)
    if membership is None:
        abort(404)
    form = CloseAccountForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors.append(_("That is not your password."))
        else:
            session_db = db.session()
            person = current_user._get_current_object()
            # Every cohort they are in: closing the account leaves them all.
            while membership is not None:
                lifecycle.withdraw(
                    session_db,
                    person,
                    membership,
                    data_choice=form.data_choice.data,
                    reason=form.reason.data,
                    own_account=True,
                )
                membership = _own_participation(person)
            logout_user()
            session.clear()
            flash(
                _("Your account is closed. Thank you for the time you spent with the group."),
                "info",
            )
            return redirect(url_for("auth.sign_in"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/close_account.html", form=form), status
