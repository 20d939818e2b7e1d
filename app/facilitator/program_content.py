"""The team's side of content: choose a cohort's bundle, preview any week in any language."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import access, audit, content, db
from app.access import require_roles
from app.facilitator import bp
from app.facilitator.forms import BundleForm
from app.i18n import LANGUAGE_NAMES
from app.models import Role

TEAM = (Role.facilitator, Role.medical, Role.admin)
# Somatic practitioners and knowledge keepers read the program of their own cohort's bundle
# (its chain of bases) and nothing else the library holds.
WIDER_TEAM = (Role.somatic, Role.knowledge_keeper)


def _readable_cohort(session, cohort_id: int):
    if current_user.role in WIDER_TEAM:
        return access.cohort_for_wider_team(session, current_user, cohort_id)[0]
    return access.cohort_for_team(session, current_user, cohort_id)


@bp.route("/cohorts/<int:cohort_id>/content", methods=["GET", "POST"])
@require_roles(*TEAM, *WIDER_TEAM)
def cohort_content(cohort_id: int):
    """The cohort's bundle with its provenance and review status; facilitators may change it."""
    session = db.session()
    library = content.library()
    if request.method == "POST" and current_user.role in WIDER_TEAM:
        abort(403)
    cohort = _readable_cohort(session, cohort_id)
    may_manage = access.may_manage_cohort(session, current_user, cohort.id)
    form = BundleForm(data={"bundle_id": cohort.bundle_id, "allow_previews": cohort.allow_previews})
    form.bundle_id.choices = library.assignable_choices()
    if request.method == "POST":
        if not may_manage:
            abort(403)
        if form.validate_on_submit():
            cohort.bundle_id = form.bundle_id.data
            cohort.allow_previews = form.allow_previews.data
            session.add(cohort)
            audit.record(
                session,
                current_user,
                "cohort_content_changed",
                cohort_id=cohort.id,
                object_type="bundle",
                object_id=cohort.bundle_id,
            )
            session.commit()
            flash(_("The cohort's content is updated."), "success")
            return redirect(url_for("facilitator.cohort_content", cohort_id=cohort.id), 303)
    g.timezone = cohort.timezone
    return render_template(
        "facilitator/content.html",
        cohort=cohort,
        form=form,
        may_manage=may_manage,
        bundles=(
            library.chain(cohort.bundle_id)
            if current_user.role in WIDER_TEAM
            else list(library.bundles.values())
        ),
        back_home=current_user.role in WIDER_TEAM,
        locales=current_app.config["TEND"].locales,
        language_names=LANGUAGE_NAMES,
    ), (422 if request.method == "POST" else 200)


@bp.route("/cohorts/<int:cohort_id>/content/week/<int:number>")
@require_roles(*TEAM, *WIDER_TEAM)
def preview_week(cohort_id: int, number: int):
    """Any week of the cohort's bundle, in any of the deployment's languages."""
    session = db.session()
    library = content.library()
    cohort = _readable_cohort(session, cohort_id)
    locales = current_app.config["TEND"].locales
    locale = request.args.get("locale", cohort.default_locale)
    if locale not in locales or not 1 <= number <= cohort.weeks:
        abort(404)
    week = library.get("week", f"{number:02d}", locale, cohort.bundle_id)
    if week is None:
        abort(404)
    practices = [
        library.get("practice", pid, locale, cohort.bundle_id) for pid in week.item.data.practices
    ]
    blocks = [
        (moment, library.get("session", moment, locale, cohort.bundle_id))
        for moment in ("preparation", "integration")
    ]
    bundle = library.bundle(week.item.bundle_id)
    return render_template(
        "facilitator/preview_week.html",
        cohort=cohort,
        number=number,
        locale=locale,
        locales=locales,
        language_names=LANGUAGE_NAMES,
        week=week,
        practices=[p for p in practices if p is not None],
        blocks=[(m, b) for m, b in blocks if b is not None],
        source_bundle=bundle,
        review=bundle.meta.review.get(week.item.locale, "draft"),
    )
