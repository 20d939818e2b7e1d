"""The weekly meetings of the large group and each small group, and who was there."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

from app.meetings import views  # noqa: E402, F401
