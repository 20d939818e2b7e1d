"""Journaling between sessions, and the group reflections participants choose to share."""

from flask import Blueprint

from app.journal.wording import sharing_statement

bp = Blueprint("journal", __name__, url_prefix="/journal")
bp.add_app_template_global(sharing_statement, "sharing_statement_of")

from app.journal import views  # noqa: E402, F401
