"""Journaling between sessions, and the group reflections participants choose to share."""

from flask import Blueprint

bp = Blueprint("journal", __name__, url_prefix="/journal")

from app.journal import views  # noqa: E402, F401
