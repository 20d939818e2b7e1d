"""Enrolment by invite, sign-in and sign-out, the person's own account settings."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import reset_views, views  # noqa: E402, F401  (registers the routes)
