"""Administration: cohorts, their small groups and the people on the team."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import audit_log, people, views  # noqa: E402, F401
