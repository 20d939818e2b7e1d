"""The session lifetimes in force, read from the app's settings."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.auth.services import SessionPolicy


def session_policy() -> SessionPolicy:
    settings = current_app.config["TEND"]
    return SessionPolicy(
        staff_idle=timedelta(minutes=settings.staff_idle_minutes),
        participant_idle=timedelta(minutes=settings.participant_idle_minutes),
        absolute=timedelta(days=settings.session_absolute_days),
    )
