"""This week's teaching, intention and integration practices, for participants."""

from flask import Blueprint

bp = Blueprint("practices", __name__)

from app.practices import views  # noqa: E402, F401
