"""The program team's pages: cohorts, rosters, invites."""

from flask import Blueprint

bp = Blueprint("facilitator", __name__, url_prefix="/team")


@bp.app_template_global()
def describe_flag(flag) -> str:
    from app.facilitator.safety_flags import describe_flag as describe

    return describe(flag)


from app.facilitator import (  # noqa: E402, F401
    clinician_reviews,
    departures,
    outcomes,
    program_content,
    reflections,
    safety_flags,
    session_days,
    views,
)
