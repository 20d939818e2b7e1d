"""Ketamine session days: consents, the pre-session checklist, the check-in after."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from app.sessions import views  # noqa: E402, F401
