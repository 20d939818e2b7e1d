"""Somatic regulation exercises, their guided player, and the before/after check."""

from flask import Blueprint

bp = Blueprint("exercises", __name__, url_prefix="/settle")


@bp.record_once
def _template_helpers(state) -> None:
    from app.exercises.presenting import init_app

    init_app(state.app)


from app.exercises import views  # noqa: E402, F401
