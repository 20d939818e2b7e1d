"""Journaling between sessions, and the group reflections participants choose to share."""

from flask import Blueprint

bp = Blueprint("journal", __name__, url_prefix="/journal")


@bp.app_template_global("sharing_statement_of")
def _sharing_statement_of(entry) -> str:
    from app.journal.wording import sharing_statement

    return sharing_statement(entry)


from app.journal import views  # noqa: E402, F401
