"""Public pages every visitor needs: health check, help and crisis lines, language switch."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import views  # noqa: E402, F401
