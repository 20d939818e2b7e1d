"""Cohort creation, for administrators (people: app/admin/people.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, content, db
from app.access import require_roles
from app.admin import bp
from app.admin.forms import CohortForm
from app.i18n import LANGUAGE_NAMES
from app.models import Cohort, Role, SmallGroup


@bp.route("/cohorts/new", methods=["GET", "POST"])
@require_roles(Role.admin)
def new_cohort():
    """Open a new cohort with its small groups."""
    form = CohortForm()
    locales = current_app.config["TEND"].locales
    form.default_locale.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in locales]
    form.bundle_id.choices = [
        (b.id, b.meta.title.get(b.meta.default_locale, b.id))
        for b in content.library().assignable()
    ]
    if form.validate_on_submit():
        session = db.session()
        cohort = Cohort(
            name=form.name.data.strip(),
            start_date=form.start_date.data,
            timezone=form.timezone.data.strip(),
            default_locale=form.default_locale.data,
            bundle_id=form.bundle_id.data,
        )
        session.add(cohort)
        session.flush()
        for name in form.group_names():
            session.add(SmallGroup(cohort_id=cohort.id, name=name))
        audit.record(session, current_user, "cohort_created", cohort_id=cohort.id)
        session.commit()
        flash(
            _("The cohort %(name)s is ready. You can now invite its team.", name=cohort.name),
            "success",
        )
        return redirect(url_for("facilitator.cohort_overview", cohort_id=cohort.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/new_cohort.html", form=form), status
