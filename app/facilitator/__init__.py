"""The program team's pages: cohorts, rosters, invites."""

from flask import Blueprint

bp = Blueprint("facilitator", __name__, url_prefix="/team")

from app.facilitator import program_content, reflections, views  # noqa: E402, F401
