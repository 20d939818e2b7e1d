"""The program team's pages: cohorts, rosters, invites."""

from flask import Blueprint

bp = Blueprint("facilitator", __name__, url_prefix="/team")

from app.facilitator import (  # noqa: E402, F401
    outcomes,
    program_content,
    reflections,
    safety_flags,
    session_days,
    views,
)
