"""Evaluation exports for those who may see outcomes: the cohort's facilitators and medical
team. Each download is audited and streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Response, g, render_template, stream_with_context
from flask_login import current_user

from app import access, audit, content, db, security_events
from app.access import require_roles
from app.exports import bp, fhir, redcap, source
from app.models import Cohort, Role

OUTCOME_ROLES = (Role.facilitator, Role.medical)


def _cohort(cohort_id: int) -> Cohort:
    return access.cohort_for_team(db.session(), current_user, cohort_id)


def _download(
    cohort: Cohort, action: str, filename: str, mimetype: str, body: Callable[[], Iterator[str]]
) -> Response:
    session = db.session()
    audit.record(
        session,
        current_user,
        action,
        cohort_id=cohort.id,
        object_type="cohort",
        object_id=cohort.id,
    )
    security_events.record(
        session, security_events.EXPORTED, actor=current_user, cohort_id=cohort.id, detail=action
    )
    session.commit()
    response = Response(stream_with_context(body()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _coded(cohort: Cohort) -> dict[int, str]:
    session = db.session()
    return source.study_codes(session, cohort, source.consenting(session, cohort))


@bp.route("/cohorts/<int:cohort_id>/exports")
@require_roles(*OUTCOME_ROLES)
def evaluation_exports(cohort_id: int):
    """What each evaluation file holds, and how many people consented to be in it."""
    cohort = _cohort(cohort_id)
    session = db.session()
    g.timezone = cohort.timezone
    return render_template(
        "exports/index.html",
        cohort=cohort,
        consenting=len(source.consenting(session, cohort)),
        form_names=[
            redcap.form_name(instrument_id)
            for instrument_id, _definition in source.instruments(content.library(), cohort)
        ],
    )


@bp.route("/cohorts/<int:cohort_id>/exports/redcap-dictionary.csv")
@require_roles(*OUTCOME_ROLES)
def redcap_dictionary(cohort_id: int):
    """The REDCap data dictionary made from the cohort's instrument files."""
    cohort = _cohort(cohort_id)
    instruments = source.instruments(content.library(), cohort)
    return _download(
        cohort,
        "exported_redcap_dictionary",
        "tend-redcap-dictionary.csv",
        "text/csv",
        lambda: redcap.csv_lines(redcap.dictionary_rows(instruments)),
    )


@bp.route("/cohorts/<int:cohort_id>/exports/redcap-events.csv")
@require_roles(*OUTCOME_ROLES)
def redcap_events(cohort_id: int):
    """The REDCap events, one per administration window."""
    cohort = _cohort(cohort_id)
    return _download(
        cohort,
        "exported_redcap_events",
        "tend-redcap-events.csv",
        "text/csv",
        lambda: redcap.csv_lines(redcap.events_rows()),
    )


@bp.route("/cohorts/<int:cohort_id>/exports/redcap-mapping.csv")
@require_roles(*OUTCOME_ROLES)
def redcap_mapping(cohort_id: int):
    """Which REDCap form is collected at which event."""
    cohort = _cohort(cohort_id)
    instruments = source.instruments(content.library(), cohort)
    return _download(
        cohort,
        "exported_redcap_mapping",
        "tend-redcap-instrument-event-mapping.csv",
        "text/csv",
        lambda: redcap.csv_lines(redcap.mapping_rows(instruments)),
    )


@bp.route("/cohorts/<int:cohort_id>/exports/redcap-records.csv")
@require_roles(*OUTCOME_ROLES)
def redcap_records(cohort_id: int):
    """The records to import: consenting participants only, by study code."""
    cohort = _cohort(cohort_id)
    instruments = source.instruments(content.library(), cohort)
    codes = _coded(cohort)

    def body():
        session = db.session()
        rows = redcap.record_rows(
            instruments,
            source.completed(session, cohort, codes),
            source.attendance(session, cohort, codes),
            codes,
        )
        return redcap.csv_lines(rows)

    return _download(cohort, "exported_redcap_records", "tend-redcap-records.csv", "text/csv", body)


@bp.route("/cohorts/<int:cohort_id>/exports/fhir-bundle.json")
@require_roles(*OUTCOME_ROLES)
def fhir_bundle(cohort_id: int):
    """A FHIR R4 collection Bundle: the Questionnaires and the consenting participants'
    QuestionnaireResponses."""
    cohort = _cohort(cohort_id)
    instruments = source.instruments(content.library(), cohort)
    codes = _coded(cohort)
    return _download(
        cohort,
        "exported_fhir_bundle",
        "tend-fhir-bundle.json",
        "application/fhir+json",
        lambda: fhir.bundle_chunks(instruments, source.completed(db.session(), cohort, codes)),
    )
