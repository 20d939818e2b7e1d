"""Intake and outcome questionnaires, their scoring, and the safety loop."""

from flask import Blueprint

bp = Blueprint("questionnaires", __name__, url_prefix="/check-ins")

from app.questionnaires import views  # noqa: E402, F401
