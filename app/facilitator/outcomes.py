"""Outcomes for the care team: baseline against end, and the evaluation export."""

from __future__ import annotations

import io
import zipfile

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import access, content, db
from app.access import require_roles
from app.facilitator import bp
from app.models import Role
from app.questionnaires.outcomes import (
    COHORT_SD_MIN,
    MIN_CONTRIBUTORS,
    cohort_outcomes,
    evaluation_csv,
)
from app.questionnaires.schedule import OUTCOMES
from app.questionnaires.services import NotDue, open_extra


@bp.route("/cohorts/<int:cohort_id>/outcomes")
@require_roles(Role.facilitator, Role.medical)
def outcomes(cohort_id: int):
    """Baseline against end for each person and, with enough people, for the cohort."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    locale = str(get_locale())
    results = cohort_outcomes(session, content.library(), current_user, cohort, locale)
    return render_template(
        "facilitator/outcomes.html",
        cohort=cohort,
        results=results,
        min_contributors=MIN_CONTRIBUTORS,
        cohort_sd_min=COHORT_SD_MIN,
        instruments=extra_choices(cohort, locale),
    )


def extra_choices(cohort, locale: str) -> list[tuple[str, str]]:
    """The outcome questionnaires the cohort's bundle carries, by their display names: the
    ones worth asking again between the scheduled times."""
    library = content.library()
    choices = []
    for instrument_id in OUTCOMES:
        resolved = library.get("questionnaire", instrument_id, locale, cohort.bundle_id)
        if resolved is not None:
            choices.append((instrument_id, resolved.item.data.title[resolved.item.locale]))
    return choices


@bp.route("/cohorts/<int:cohort_id>/outcomes.zip")
@require_roles(Role.facilitator, Role.medical)
def outcomes_export(cohort_id: int):
    """Scores for program evaluation (consenting people only, no free text) and a codebook."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id)
    scores, codebook = evaluation_csv(session, content.library(), current_user, cohort)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scores.csv", scores)
        archive.writestr("codebook.csv", codebook)
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="tend-outcomes.zip"'
    return response


@bp.route("/cohorts/<int:cohort_id>/extra-administration", methods=["POST"])
@require_roles(Role.facilitator)
def open_extra_administration(cohort_id: int):
    """Open one questionnaire for the whole cohort now, outside the usual schedule."""
    session = db.session()
    cohort = access.cohort_for_team(session, current_user, cohort_id, manage=True)
    days = request.form.get("days", type=int) or 0
    if not 1 <= days <= 30:
        flash(_("Please choose between 1 and 30 days."), "error")
        return redirect(url_for("facilitator.outcomes", cohort_id=cohort.id), 303)
    try:
        open_extra(
            session,
            current_user,
            cohort,
            request.form.get("instrument", ""),
            days,
            content.library(),
        )
    except NotDue:
        flash(_("That questionnaire is not part of this cohort's content."), "error")
    else:
        flash(_("The questionnaire is open for the cohort."), "success")
    return redirect(url_for("facilitator.outcomes", cohort_id=cohort.id), 303)
